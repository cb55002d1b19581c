//! Masterminds-compatible semantic versions and constraints (being written).
