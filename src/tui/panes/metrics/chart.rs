//! The metrics charts' options: smoothing (an EMA drawn over the faint raw line), log scale and
//! the x axis (step, or time since each run's start, so overlaid runs align either way).
//!
//! Pure data.

pub use crate::query::XBy;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Smoothing {
    #[default]
    Off,
    Light,
    Heavy,
}

impl Smoothing {
    pub fn next(self) -> Smoothing {
        match self {
            Smoothing::Off => Smoothing::Light,
            Smoothing::Light => Smoothing::Heavy,
            Smoothing::Heavy => Smoothing::Off,
        }
    }
    /// EMA weight of the previous value.
    pub fn alpha(self) -> Option<f64> {
        match self {
            Smoothing::Off => None,
            Smoothing::Light => Some(0.6),
            Smoothing::Heavy => Some(0.9),
        }
    }
}

/// The other x axis.
pub fn toggle(by: XBy) -> XBy {
    match by {
        XBy::Step => XBy::Time,
        XBy::Time => XBy::Step,
    }
}
