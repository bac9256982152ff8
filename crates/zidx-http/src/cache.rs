//! A bounded least-recently-used cache of fetched blocks.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Blocks by number, each with the tick of its last use; at most
/// `capacity` blocks.
#[derive(Debug)]
pub(crate) struct BlockCache {
    capacity: usize,
    blocks: HashMap<u64, (Arc<[u8]>, u64)>,
    /// Tick of last use -> block number: the oldest first.
    by_use: BTreeMap<u64, u64>,
    tick: u64,
}

impl BlockCache {
    pub(crate) fn new(capacity: usize) -> BlockCache {
        BlockCache {
            capacity,
            blocks: HashMap::new(),
            by_use: BTreeMap::new(),
            tick: 0,
        }
    }

    /// The block, marked as just used.
    pub(crate) fn get(&mut self, block: u64) -> Option<Arc<[u8]>> {
        self.tick += 1;
        let tick = self.tick;
        let (bytes, used) = self.blocks.get_mut(&block)?;
        self.by_use.remove(used);
        *used = tick;
        self.by_use.insert(tick, block);
        Some(bytes.clone())
    }

    /// Whether the block is held, without marking it used.
    pub(crate) fn contains(&self, block: u64) -> bool {
        self.blocks.contains_key(&block)
    }

    /// Adds or replaces a block, evicting the least recently used beyond
    /// the capacity.
    pub(crate) fn insert(&mut self, block: u64, bytes: Arc<[u8]>) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        if let Some((_, used)) = self.blocks.insert(block, (bytes, self.tick)) {
            self.by_use.remove(&used);
        }
        self.by_use.insert(self.tick, block);
        while self.blocks.len() > self.capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.blocks.remove(&oldest);
        }
    }

    /// Blocks held.
    pub(crate) fn len(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(n: u8) -> Arc<[u8]> {
        Arc::from(vec![n; 4])
    }

    #[test]
    fn evicts_the_least_recently_used_and_stays_bounded() {
        let mut c = BlockCache::new(3);
        for b in 0..3 {
            c.insert(b, block(1));
        }
        assert!(c.get(0).is_some()); // 1 is now the oldest
        c.insert(3, block(3));
        assert_eq!(c.len(), 3);
        assert!(!c.contains(1));
        assert!(c.contains(0) && c.contains(2) && c.contains(3));
        for b in 10..1000 {
            c.insert(b, block(1));
            assert!(c.len() <= 3);
        }
        assert_eq!(c.by_use.len(), c.blocks.len());
    }

    #[test]
    fn replacing_a_block_keeps_one_entry() {
        let mut c = BlockCache::new(2);
        c.insert(7, block(1));
        c.insert(7, block(2));
        assert_eq!(c.len(), 1);
        assert_eq!(c.by_use.len(), 1);
        assert_eq!(c.get(7).as_deref(), Some(&[2u8; 4][..]));
    }

    #[test]
    fn zero_capacity_holds_nothing() {
        let mut c = BlockCache::new(0);
        c.insert(1, block(1));
        assert_eq!(c.len(), 0);
        assert!(c.get(1).is_none());
    }
}
