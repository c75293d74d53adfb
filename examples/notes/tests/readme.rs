//! The README's "Use Keycard in your app" quotes this example: every code block there
//! must stand, line for line, in one of the example's files, so the README never shows
//! code that does not build and run.

use std::path::Path;

const SECTION: &str = "## Use Keycard in your app";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The code blocks of the README's section, without their fences.
fn quoted_blocks(readme: &str) -> Vec<String> {
    let (_, section) = readme
        .split_once(SECTION)
        .expect("the README has the section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|block| {
            let (_language, code) = block.split_once('\n').expect("a block has a first line");
            code.to_owned()
        })
        .collect()
}

#[test]
fn every_block_of_the_readme_section_is_in_the_example() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = read(&example.join("../../README.md"));
    let mut files = vec![read(&example.join("Cargo.toml"))];
    for entry in std::fs::read_dir(example.join("src")).expect("the example has sources") {
        files.push(read(&entry.expect("a readable folder").path()));
    }
    let blocks = quoted_blocks(&readme);
    assert!(blocks.len() >= 5, "the section quotes the example");
    for block in blocks {
        assert!(
            files.iter().any(|file| file.contains(&block)),
            "the README quotes code the example does not have:\n{block}"
        );
    }
}
