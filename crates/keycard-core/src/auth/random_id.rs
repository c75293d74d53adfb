//! Random identifiers (token ids, session ids): 128 bits from the operating system's
//! generator, written as 32 lowercase hex digits.

use anyhow::anyhow;

const ID_BYTES: usize = 16;

pub fn random_id() -> anyhow::Result<String> {
    let mut bytes = [0u8; ID_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for an id: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Whether `candidate` has the shape [`random_id`] gives.
pub fn is_random_id(candidate: &str) -> bool {
    candidate.len() == 2 * ID_BYTES
        && candidate
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bits_of_hex_and_differ() {
        let first = random_id().unwrap();
        let second = random_id().unwrap();
        assert!(is_random_id(&first) && is_random_id(&second));
        assert_ne!(first, second);
        assert!(!is_random_id("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!is_random_id("short"));
    }
}
