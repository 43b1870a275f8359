//! Opaque global IDs (Relay): base64url of `Type:slug`, so clients never parse them.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::Error;
use crate::model::{EntityKind, EntityRef};

/// Returns the global ID of an entity.
pub fn encode(kind: EntityKind, slug: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{slug}", kind.type_name())))
}

/// Decodes a global ID into its type and slug; `field` names the argument for the error.
pub fn decode(id: &str, field: &str) -> Result<(EntityKind, String), Error> {
    let invalid = || Error::bad_input(field, format!("`{id}` is not a valid id"));
    let plain = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).map_err(|_| invalid())?;
    let plain = String::from_utf8(plain).map_err(|_| invalid())?;
    let (name, slug) = plain.split_once(':').ok_or_else(invalid)?;
    let kind = EntityKind::from_type_name(name).ok_or_else(invalid)?;
    if slug.is_empty() {
        return Err(invalid());
    }
    Ok((kind, slug.to_owned()))
}

/// Decodes a global ID into the entity it names.
pub fn decode_ref(id: &str, field: &str) -> Result<EntityRef, Error> {
    let (kind, slug) = decode(id, field)?;
    Ok(EntityRef::new(kind, slug))
}

/// Decodes the global ID of what a statistic is about: a list, achievement, event,
/// organization or city.
pub fn decode_subject(id: &str, field: &str) -> Result<EntityRef, Error> {
    let (kind, slug) = decode(id, field)?;
    if !kind.is_subject() {
        let message = format!(
            "a statistic is about a list, achievement, event, organization or city, not a {}",
            kind.type_name()
        );
        return Err(Error::bad_input(field, message));
    }
    Ok(EntityRef::new(kind, slug))
}

/// Returns the global ID of an entity.
pub fn encode_ref(target: &EntityRef) -> ID {
    encode(target.kind, &target.id)
}

/// Decodes a global ID that must be of one type.
pub fn decode_as(id: &str, kind: EntityKind, field: &str) -> Result<String, Error> {
    match decode(id, field)? {
        (found, slug) if found == kind => Ok(slug),
        (found, _) => Err(Error::bad_input(
            field,
            format!("expected the id of a {}, got the id of a {}", kind.type_name(), found.type_name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_opaque() {
        let id = encode(EntityKind::City, "little-rock");
        assert!(!id.contains("little"));
        assert_eq!(decode(&id, "id").unwrap(), (EntityKind::City, "little-rock".to_owned()));
    }

    #[test]
    fn malformed_ids_name_the_field() {
        for bad in ["", "!!!", "Q2l0eQ", &URL_SAFE_NO_PAD.encode("Planet:mars"), &URL_SAFE_NO_PAD.encode("City:")] {
            match decode(bad, "cityId") {
                Err(Error::BadInput { field, .. }) => assert_eq!(field, "cityId"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_id_of_the_wrong_type_is_refused() {
        let id = encode(EntityKind::Event, "x");
        assert!(decode_as(&id, EntityKind::City, "cityId").is_err());
    }
}
