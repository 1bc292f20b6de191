//! One leader per term: a node grants at most one other candidate in a term.
//!
//! openraft 0.9 names a leader by (term, node id) and lets a vote for a greater node id replace
//! an earlier one in the same term, so two nodes could each win the same term one after the
//! other (safe for openraft, whose log ids carry the full leader id, but not what raft's "one
//! leader per term" promises, nor what an operator reading terms expects). The inbox applies
//! classic raft's rule before openraft sees a vote request: in a term where this node already
//! granted another candidate, or already knows the term's leader, the request is refused. A node
//! that only voted for itself (an undecided candidate) may still yield to another candidate of
//! the same term: it gives up its own candidacy, so it never leads that term, and split votes
//! still resolve at once as they do in openraft.

use openraft::Vote;

/// Whether `request` must be refused by a node (`me`) whose current vote is `ours`.
pub fn refuses(me: u64, ours: &Vote<u64>, request: &Vote<u64>) -> bool {
    let (ours_id, req_id) = (ours.leader_id(), request.leader_id());
    if ours_id.term != req_id.term || ours_id.voted_for() == req_id.voted_for() {
        return false;
    }
    // Same term, another candidate: refused when the term has a leader, or when this node has
    // already granted someone else.
    ours.is_committed() || ours_id.voted_for() != Some(me)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(term: u64, node: u64, committed: bool) -> Vote<u64> {
        if committed {
            Vote::new_committed(term, node)
        } else {
            Vote::new(term, node)
        }
    }

    #[test]
    fn a_term_with_a_leader_or_another_grant_refuses_a_second_candidate() {
        // Node 1 granted candidate 2 in term 5: candidate 3 (greater id) is refused.
        assert!(refuses(1, &vote(5, 2, false), &vote(5, 3, false)));
        // Node 1 follows leader 2 of term 5.
        assert!(refuses(1, &vote(5, 2, true), &vote(5, 3, false)));
        // Node 1 leads term 5.
        assert!(refuses(1, &vote(5, 1, true), &vote(5, 3, false)));
    }

    #[test]
    fn other_terms_repeats_and_undecided_candidates_are_left_to_raft() {
        // A candidate that only voted for itself may yield (it never leads the term).
        assert!(!refuses(1, &vote(5, 1, false), &vote(5, 3, false)));
        // The same candidate asking again.
        assert!(!refuses(1, &vote(5, 2, false), &vote(5, 2, false)));
        // A newer or older term: raft's own rules.
        assert!(!refuses(1, &vote(5, 2, true), &vote(6, 3, false)));
        assert!(!refuses(1, &vote(5, 2, true), &vote(4, 3, false)));
    }
}
