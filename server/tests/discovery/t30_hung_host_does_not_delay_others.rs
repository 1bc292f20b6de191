//! (c) A SIGSTOPped server (TCP handshakes still complete, nothing answers) does not slow the
//! probes of the healthy ones: their `last_checked` keeps its cadence while the hung host's
//! probes time out.

use std::time::{Duration, Instant};

use crate::harness::{config, key, sandbox, Discovery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_host_does_not_delay_others() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(3).expect("start a 1+2 star");
    let poll = Duration::from_secs(1);
    let mut cfg = config(poll);
    cfg.connect_timeout = Duration::from_secs(3); // a delay caused by the hang would show as >= 3 s
    let d = Discovery::start(cfg, &[key(&s[0])]).await;
    let keys: Vec<_> = s.iter().map(key).collect();
    d.wait_all_valid(&keys).await;

    let hung = &s[2];
    hung.sigstop().expect("SIGSTOP");
    let healthy = [key(&s[0]), key(&s[1])];
    let mut checks: Vec<Vec<i64>> = vec![Vec::new(); healthy.len()];
    let window = Duration::from_secs(7);
    let started = Instant::now();
    while started.elapsed() < window {
        for (k, seen) in healthy.iter().zip(checks.iter_mut()) {
            let i = d.instance(k).await.expect("healthy instance stored");
            assert!(i.is_last_check_valid, "{k} must stay valid while {} hangs", key(hung));
            if seen.last() != Some(&i.last_checked_ms) {
                seen.push(i.last_checked_ms);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let h = d.instance(&key(hung)).await.expect("hung instance stored");
    hung.sigcont().expect("SIGCONT");

    for (k, seen) in healthy.iter().zip(&checks) {
        let gaps: Vec<i64> = seen.windows(2).map(|w| w[1] - w[0]).collect();
        eprintln!("{k}: last_checked gaps while a host hangs: {gaps:?} ms");
        assert!(gaps.len() >= 4, "{k} was checked only {} times in {window:?}", seen.len());
        let worst = gaps.iter().copied().max().unwrap_or(0);
        assert!(worst < 2_500, "{k}: a {worst} ms gap between checks (poll {poll:?})");
    }
    assert!(!h.is_last_check_valid, "the hung host's probes time out");
    assert!(h.last_attempted_check_ms > h.last_seen_ms);
    d.stop().await;
}
