//! Which item each line of a list showed in the frame drawn last. A wrapped item takes several
//! lines, and a list scrolled to keep a tall selection whole starts later than its scroll
//! offset, so a mouse click is mapped through what was drawn, not through the offset. An item
//! is named by a key that survives changes to the list between the frame and the click (a
//! record's seq), or by its index in a list replaced only as a whole (which then forgets this).
//!
//! The view records it while it draws (it only has `&self`, hence the cell); the reducer reads
//! it on a click.

use std::cell::RefCell;

#[derive(Clone, Debug, Default)]
pub struct DrawnRows(RefCell<Vec<usize>>);

impl DrawnRows {
    /// A frame starts: forget the last one.
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// The next line down shows the item keyed `item`.
    pub fn push(&self, item: usize) {
        self.0.borrow_mut().push(item);
    }

    /// The key of the item line `row` showed, or `None` below the last item (or before any
    /// frame).
    pub fn item_at(&self, row: usize) -> Option<usize> {
        self.0.borrow().get(row).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_to_the_items_drawn_on_them() {
        let d = DrawnRows::default();
        assert_eq!(d.item_at(0), None);
        for item in [4, 4, 4, 5, 6, 6] {
            d.push(item);
        }
        assert_eq!(
            (0..7).map(|r| d.item_at(r)).collect::<Vec<_>>(),
            [Some(4), Some(4), Some(4), Some(5), Some(6), Some(6), None]
        );
        d.clear();
        assert_eq!(d.item_at(0), None);
    }
}
