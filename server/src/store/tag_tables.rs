//! Instance tags in the backend (`database_instance_tags`, replicated: written only by the raft
//! state machine from `put-instance-tag` and `delete-instance-tag`), and their reads.

use app::core::tag::{Tag, Untag};
use app::core::{CommandOutcome, InstanceKey};
use sqlx::AnyConnection;

use super::apply_tx::{int, text, ApplyTx, Arg};
use super::{Store, StoreError};

type TagRow = (String, i32, String, String);

fn row(r: TagRow) -> Result<(InstanceKey, Tag), StoreError> {
    let (hostname, port, name, value) = r;
    let port = u16::try_from(port)
        .map_err(|_| StoreError::Malformed(format!("port {port} out of range")))?;
    Ok((InstanceKey { hostname, port }, Tag { name, value }))
}

/// Applies `put-instance-tag`: sets the tag, replacing the value of one of the same name.
pub async fn put(
    tx: &mut ApplyTx<'_>,
    key: &InstanceKey,
    tag: &Tag,
) -> Result<CommandOutcome, StoreError> {
    tx.exec(
        "REPLACE INTO database_instance_tags (hostname, port, tag_name, tag_value) \
         VALUES (?, ?, ?, ?)",
        &[text(&key.hostname), int(key.port), text(&tag.name), text(&tag.value)],
    )
    .await?;
    Ok(CommandOutcome::Applied)
}

/// Applies `delete-instance-tag` to the listed instances.
pub async fn delete(
    tx: &mut ApplyTx<'_>,
    untag: &Untag,
    keys: &[InstanceKey],
) -> Result<CommandOutcome, StoreError> {
    let mut removed = 0;
    for key in keys.iter().filter(|k| untag.key.as_ref().is_none_or(|only| only == *k)) {
        let sql = match untag.value {
            Some(_) => {
                "DELETE FROM database_instance_tags \
                 WHERE hostname = ? AND port = ? AND tag_name = ? AND tag_value = ?"
            }
            None => "DELETE FROM database_instance_tags WHERE hostname = ? AND port = ? AND tag_name = ?",
        };
        let mut args: Vec<Arg<'_>> = vec![text(&key.hostname), int(key.port), text(&untag.name)];
        if let Some(value) = &untag.value {
            args.push(text(value));
        }
        removed += tx.exec(sql, &args).await?;
    }
    Ok(if removed == 0 {
        CommandOutcome::Unchanged { reason: format!("{} removed from 0 instances", untag.name) }
    } else {
        CommandOutcome::Applied
    })
}

/// Every tag, by instance then name.
pub async fn dump(conn: &mut AnyConnection) -> Result<Vec<(InstanceKey, Tag)>, StoreError> {
    sqlx::query_as::<_, TagRow>(
        "SELECT hostname, port, tag_name, tag_value FROM database_instance_tags \
         ORDER BY hostname, port, tag_name",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(row)
    .collect()
}

/// Replaces every tag (snapshot install).
pub async fn restore(tx: &mut ApplyTx<'_>, tags: &[(InstanceKey, Tag)]) -> Result<(), StoreError> {
    tx.exec("DELETE FROM database_instance_tags", &[]).await?;
    for (key, tag) in tags {
        put(tx, key, tag).await?;
    }
    Ok(())
}

impl Store {
    /// Every tag of every instance, by instance then name.
    pub async fn all_tags(&self) -> Result<Vec<(InstanceKey, Tag)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        dump(&mut conn).await
    }

    /// The tags of one instance, by name.
    pub async fn instance_tags(&self, key: &InstanceKey) -> Result<Vec<Tag>, StoreError> {
        sqlx::query_as::<_, TagRow>(
            "SELECT hostname, port, tag_name, tag_value FROM database_instance_tags \
             WHERE hostname = ? AND port = ? ORDER BY tag_name",
        )
        .bind(&key.hostname)
        .bind(key.port as i32)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| row(r).map(|(_, tag)| tag))
        .collect()
    }
}
