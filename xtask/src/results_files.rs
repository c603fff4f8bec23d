//! The two files every task's results go to: `results.json` (for programs) and `results.md`
//! (for people), side by side in a directory of their own.

use std::path::{Path, PathBuf};

/// Writes `json` to `dir/results.json` and `markdown` to `dir/results.md` (the directory is
/// made if missing); their paths.
pub fn write(
    dir: &Path,
    json: &serde_json::Value,
    markdown: &str,
) -> std::io::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let json_path = dir.join("results.json");
    let markdown_path = dir.join("results.md");
    let text = serde_json::to_string_pretty(json).map_err(std::io::Error::other)?;
    std::fs::write(&json_path, text + "\n")?;
    std::fs::write(&markdown_path, markdown)?;
    Ok((json_path, markdown_path))
}
