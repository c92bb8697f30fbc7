//! Where each value of a YAML file is: key paths (`sites[0].sections[1].urls[0]`, the form
//! [`super::Problem`] uses) mapped to lines and columns, so that every problem in a
//! configuration can point at its place in the file.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A mapping key as written: the path of its mapping, the key, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub parent: String,
    pub name: String,
    pub position: Position,
}

/// The positions of the values of a YAML text. Empty when the text is not YAML.
#[derive(Debug, Default)]
pub struct Positions {
    found: HashMap<String, Position>,
    keys: Vec<Key>,
}

impl Positions {
    pub fn of(text: &str) -> Positions {
        let mut walker = Walker::default();
        match Parser::new_from_str(text).load(&mut walker, false) {
            Ok(()) => Positions {
                found: walker.found,
                keys: walker.keys,
            },
            Err(_) => Positions::default(),
        }
    }

    /// Every mapping key of the text, in order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The position of `key`, or of its nearest enclosing value that has one.
    pub fn find(&self, key: &str) -> Option<Position> {
        let mut key = key;
        loop {
            if let Some(position) = self.found.get(key) {
                return Some(*position);
            }
            let cut = key.rfind(['.', '['])?;
            key = &key[..cut];
        }
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    found: HashMap<String, Position>,
    keys: Vec<Key>,
}

impl Walker {
    /// The path of the node that starts now; `None` when it is a mapping key.
    fn next_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map { path, key }) => {
                let key = key.take().unwrap_or_default();
                Some(if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                })
            }
            Some(Frame::Seq { path, next }) => {
                *next += 1;
                Some(format!("{path}[{}]", *next - 1))
            }
        }
    }

    fn record(&mut self, path: &str, mark: Marker) -> Position {
        *self.found.entry(path.to_owned()).or_insert(Position {
            line: mark.line(),
            column: mark.col() + 1,
        })
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => match self.next_path() {
                Some(path) => {
                    self.record(&path, mark);
                }
                None => {
                    if let Some(Frame::Map { path, key }) = self.stack.last_mut() {
                        let parent = path.clone();
                        let full = if parent.is_empty() {
                            value.clone()
                        } else {
                            format!("{parent}.{value}")
                        };
                        *key = Some(value.clone());
                        let position = self.record(&full, mark);
                        self.keys.push(Key {
                            parent,
                            name: value,
                            position,
                        });
                    }
                }
            },
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.next_path().unwrap_or_default();
                self.record(&path, mark);
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Map { path, key: None },
                    _ => Frame::Seq { path, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                self.next_path();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_are_found() {
        let text = "timezone: Mars/Olympus\nsites:\n  - id: a\n    sections:\n      - { id: x, urls: [\"u1\", \"u2\"] }\n";
        let positions = Positions::of(text);
        let at = |key| positions.find(key).map(|p| (p.line, p.column));
        assert_eq!(at("timezone"), Some((1, 1)));
        assert_eq!(at("sites[0].id"), Some((3, 5)));
        assert_eq!(at("sites[0].sections[0].urls[1]"), Some((5, 31)));
        assert_eq!(
            at("sites[0].sections[0].missing"),
            Some((5, 9)),
            "falls back to the enclosing value"
        );
        assert_eq!(Positions::of(": : [").find("x"), None);
    }
}
