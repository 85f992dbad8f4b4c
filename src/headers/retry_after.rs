//! Placeholder: filled in by the check family that owns it.
