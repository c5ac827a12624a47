//! Export into engines other teams already run. Reads the workspace only through `query`, so an
//! export sees exactly what every other face sees.

pub mod otlp;
