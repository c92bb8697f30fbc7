//! `feedwright schema`: the JSON Schema of `config.yaml`, for editors.

use super::{ExitStatus, Outcome};

pub fn execute() -> Outcome {
    say!("{:#}", crate::config::schema::json_schema());
    Ok(ExitStatus::Success)
}
