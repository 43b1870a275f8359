//! Opaque global IDs (Relay): base64url of `Type:slug`, so clients never parse them.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::Error;
use crate::model::{EntityKind, EntityRef};

/// The types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    Document,
    AchievementList,
    Achievement,
    Country,
    City,
    Organization,
    Event,
    Statistic,
}

impl NodeType {
    const ALL: [NodeType; 8] = [
        NodeType::Document,
        NodeType::AchievementList,
        NodeType::Achievement,
        NodeType::Country,
        NodeType::City,
        NodeType::Organization,
        NodeType::Event,
        NodeType::Statistic,
    ];

    /// Returns the node type of an entity kind.
    pub fn of(kind: EntityKind) -> Self {
        match kind {
            EntityKind::Document => Self::Document,
            EntityKind::Country => Self::Country,
            EntityKind::City => Self::City,
            EntityKind::Organization => Self::Organization,
            EntityKind::Event => Self::Event,
            EntityKind::List => Self::AchievementList,
            EntityKind::Achievement => Self::Achievement,
            EntityKind::Statistic => Self::Statistic,
        }
    }

    /// Returns the entity kind of a node type.
    pub fn kind(self) -> EntityKind {
        match self {
            Self::Document => EntityKind::Document,
            Self::Country => EntityKind::Country,
            Self::City => EntityKind::City,
            Self::Organization => EntityKind::Organization,
            Self::Event => EntityKind::Event,
            Self::AchievementList => EntityKind::List,
            Self::Achievement => EntityKind::Achievement,
            Self::Statistic => EntityKind::Statistic,
        }
    }

    /// Returns the GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Document => "Document",
            Self::AchievementList => "AchievementList",
            Self::Achievement => "Achievement",
            Self::Country => "Country",
            Self::City => "City",
            Self::Organization => "Organization",
            Self::Event => "Event",
            Self::Statistic => "Statistic",
        }
    }
}

/// Returns the global ID of an entity.
pub fn encode(kind: NodeType, slug: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{slug}", kind.name())))
}

/// Decodes a global ID into its type and slug; `field` names the argument for the error.
pub fn decode(id: &str, field: &str) -> Result<(NodeType, String), Error> {
    let invalid = || Error::bad_input(field, format!("`{id}` is not a valid id"));
    let plain = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).map_err(|_| invalid())?;
    let plain = String::from_utf8(plain).map_err(|_| invalid())?;
    let (name, slug) = plain.split_once(':').ok_or_else(invalid)?;
    let kind = NodeType::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(invalid)?;
    if slug.is_empty() {
        return Err(invalid());
    }
    Ok((kind, slug.to_owned()))
}

/// Decodes a global ID into the entity it names.
pub fn decode_ref(id: &str, field: &str) -> Result<EntityRef, Error> {
    let (kind, slug) = decode(id, field)?;
    Ok(EntityRef::new(kind.kind(), slug))
}

/// Returns the global ID of an entity.
pub fn encode_ref(target: &EntityRef) -> ID {
    encode(NodeType::of(target.kind), &target.id)
}

/// Decodes a global ID that must be of one type.
pub fn decode_as(id: &str, kind: NodeType, field: &str) -> Result<String, Error> {
    match decode(id, field)? {
        (found, slug) if found == kind => Ok(slug),
        (found, _) => Err(Error::bad_input(
            field,
            format!("expected the id of a {}, got the id of a {}", kind.name(), found.name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_opaque() {
        let id = encode(NodeType::City, "little-rock");
        assert!(!id.contains("little"));
        assert_eq!(decode(&id, "id").unwrap(), (NodeType::City, "little-rock".to_owned()));
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
        let id = encode(NodeType::Event, "x");
        assert!(decode_as(&id, NodeType::City, "cityId").is_err());
    }
}
