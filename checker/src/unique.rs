//! Unique identifiers: every identifier a client was handed must differ from every other
//! one handed out (Maelstrom's `unique-ids` challenge). A generator that never repeats is
//! linearizable whatever the order, so this is the whole check; requests whose answer the
//! client never got constrain nothing.

/// One identifier handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The operation's id in its history.
    pub op: u64,
    /// The client it went to.
    pub client: u32,
    /// The identifier.
    pub value: u64,
    /// When the client asked, in nanoseconds.
    pub invoke_ns: u64,
    /// When it got the answer.
    pub complete_ns: u64,
}

/// The first identifier handed out twice (the two answers, by completion time), if any.
pub fn first_duplicate(issued: &[Issued]) -> Option<(Issued, Issued)> {
    let mut by_time: Vec<&Issued> = issued.iter().collect();
    by_time.sort_by_key(|i| (i.complete_ns, i.op));
    let mut first: std::collections::BTreeMap<u64, &Issued> = std::collections::BTreeMap::new();
    for i in by_time {
        if let Some(earlier) = first.insert(i.value, i) {
            return Some((*earlier, *i));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(op: u64, value: u64, at: u64) -> Issued {
        Issued {
            op,
            client: op as u32,
            value,
            invoke_ns: at,
            complete_ns: at + 1,
        }
    }

    #[test]
    fn the_first_repeat_is_found_in_time_order() {
        assert_eq!(first_duplicate(&[id(0, 1, 0), id(1, 2, 5)]), None);
        let ids = [id(0, 7, 0), id(1, 3, 2), id(2, 3, 9), id(3, 7, 4)];
        assert_eq!(first_duplicate(&ids), Some((ids[0], ids[3])));
    }
}
