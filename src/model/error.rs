//! Validation errors that name the field (a dotted path) and the rule.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: String,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Turns a message of the form `field: reason` into a `ValidationError`.
pub fn from_message(msg: String) -> ValidationError {
    match msg.split_once(": ") {
        Some((f, r)) if !f.contains(' ') => ValidationError::new(f, r),
        _ => ValidationError::new("", msg),
    }
}

pub type Check = Result<(), ValidationError>;

pub fn non_blank(field: &str, v: &str) -> Check {
    if v.trim().is_empty() {
        Err(ValidationError::new(field, "must be non-blank"))
    } else {
        Ok(())
    }
}

/// `^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$` — event and metric keys, producer refs.
pub fn dot_token(field: &str, v: &str) -> Check {
    let ok = !v.is_empty()
        && v.split('.').all(|seg| {
            seg.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("`{v}` must match ^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$"),
        ))
    }
}

/// `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$` — degraded issue keys, slice refs.
pub fn snake_token(field: &str, v: &str) -> Check {
    let ok = !v.is_empty()
        && v.split('.').all(|seg| {
            seg.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("`{v}` must match ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$"),
        ))
    }
}

/// A lower-kebab name that becomes a ref component.
pub fn component(field: &str, v: &str) -> Check {
    let ok = !v.is_empty()
        && v.len() <= 63
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !v.contains("--")
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("`{v}` must be a lower-kebab name (^[a-z0-9]+(-[a-z0-9]+)*$)"),
        ))
    }
}

pub fn str_map(field: &str, m: &std::collections::BTreeMap<String, String>) -> Check {
    for (k, v) in m {
        if k.trim().is_empty() || v.trim().is_empty() {
            return Err(ValidationError::new(
                format!("{field}.{k}"),
                "keys and values must be non-blank",
            ));
        }
    }
    Ok(())
}
