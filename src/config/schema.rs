//! The JSON Schema of `config.yaml`, generated from the `Raw*` structs by schemars: printed by
//! `feedwright schema` for editors, and used here to find every unknown key of a file at once,
//! each with the nearest known key.

use serde_json::Value;

use super::Problem;
use super::position::Positions;
use super::raw::RawConfig;

/// The configuration's JSON Schema (draft 2020-12).
pub fn json_schema() -> Value {
    let mut schema = schemars::schema_for!(RawConfig);
    schema.insert("title".into(), "feedwright configuration".into());
    schema.to_value()
}

/// Every key of the text that its mapping does not know, with the nearest known key.
pub fn unknown_keys(positions: &Positions) -> Vec<Problem> {
    let schema = json_schema();
    positions
        .keys()
        .iter()
        .filter_map(|key| {
            let known = known_keys(&schema, &key.parent)?;
            if known.contains(&key.name.as_str()) {
                return None;
            }
            let nearest = known
                .iter()
                .map(|k| (strsim::osa_distance(k, &key.name), *k))
                .filter(|(distance, k)| *distance <= (k.len() / 3).max(2))
                .min();
            let hint = match nearest {
                Some((_, k)) => format!("did you mean `{k}`?"),
                None => format!("known keys: {}", known.join(", ")),
            };
            let path = if key.parent.is_empty() {
                key.name.clone()
            } else {
                format!("{}.{}", key.parent, key.name)
            };
            Some(Problem {
                key: path,
                message: format!("unknown key `{}` ({hint})", key.name),
                position: Some(key.position),
            })
        })
        .collect()
}

/// Removes the value at `path` (`sites[0].folow`) from a YAML document.
pub fn remove(document: &mut serde_norway::Value, path: &str) {
    let parts: Vec<&str> = segments(path).collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut node = document;
    for part in parents {
        let next = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(index) => index.parse::<usize>().ok().and_then(|i| node.get_mut(i)),
            None => node.get_mut(*part),
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Some(mapping) = node.as_mapping_mut() {
        mapping.remove(*last);
    }
}

/// The keys the mapping at `path` may have; `None` when any key is allowed or the path is not
/// in the schema (serde reports those).
fn known_keys<'a>(schema: &'a Value, path: &str) -> Option<Vec<&'a str>> {
    let mut node = schema;
    for segment in segments(path) {
        let object = resolve(schema, node);
        node = if segment.starts_with('[') {
            object.get("items")?
        } else {
            object.get("properties")?.get(segment)?
        };
    }
    let object = resolve(schema, node);
    if object.get("additionalProperties") != Some(&Value::Bool(false)) {
        return None;
    }
    Some(
        object
            .get("properties")?
            .as_object()?
            .keys()
            .map(String::as_str)
            .collect(),
    )
}

/// `sites[0].sections[1]` → `sites`, `[0]`, `sections`, `[1]`.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('.').filter(|s| !s.is_empty()).flat_map(|part| {
        let (name, indexes) = part.split_at(part.find('[').unwrap_or(part.len()));
        std::iter::once(name)
            .filter(|n| !n.is_empty())
            .chain(indexes.split_inclusive(']'))
    })
}

/// Follows `$ref`s and picks the non-null variant of `anyOf`/`oneOf` (how `Option` appears).
fn resolve<'a>(schema: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        if let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            match schema.get("$defs").and_then(|d| d.get(name)) {
                Some(target) => node = target,
                None => return node,
            }
        } else if let Some(variants) = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(Value::as_array)
        {
            match variants
                .iter()
                .find(|v| v.get("type") != Some(&Value::String("null".into())))
            {
                Some(variant) => node = variant,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_segments() {
        let parts: Vec<&str> = segments("sites[0].sections[12].urls").collect();
        assert_eq!(parts, ["sites", "[0]", "sections", "[12]", "urls"]);
        assert_eq!(segments("").count(), 0);
    }

    #[test]
    fn known_keys_follow_refs_options_and_lists() {
        let schema = json_schema();
        let root = known_keys(&schema, "").unwrap();
        assert!(root.contains(&"output_dir") && root.contains(&"sites"));
        assert!(
            known_keys(&schema, "fetch")
                .unwrap()
                .contains(&"per_host_delay")
        );
        assert!(known_keys(&schema, "sites[3]").unwrap().contains(&"follow"));
        assert!(
            known_keys(&schema, "sites[0].related")
                .unwrap()
                .contains(&"item")
        );
        assert!(
            known_keys(&schema, "sites[0].sections[2]")
                .unwrap()
                .contains(&"urls")
        );
        assert_eq!(known_keys(&schema, "sites[0].article.title"), None);
    }
}
