//! What `loadproof completions` and `loadproof man` print: shell completion scripts and roff
//! man pages, both generated from the clap definition in [`crate::cli`] so they can never
//! drift from the real flags.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory as _;

use crate::cli::Cli;

/// The binary name the generated files refer to (what the user types).
const BIN: &str = "loadproof";

/// Write the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), BIN, out);
}

/// Render the top-level man page (`loadproof.1`, roff) to `out`.
pub fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

/// Write `loadproof.1` plus one page per subcommand (`loadproof-run.1`, ...) into `dir`,
/// creating it if needed.
pub fn man_pages_to(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_completions_know_the_subcommands_and_flags() {
        let mut buf = Vec::new();
        completions(clap_complete::Shell::Bash, &mut buf);
        let script = String::from_utf8(buf).unwrap();
        for word in ["run", "compare", "--rate", "validate", "serve-reference"] {
            assert!(script.contains(word), "bash script lacks {word}");
        }
    }

    #[test]
    fn every_shell_gets_a_script() {
        use clap::ValueEnum as _;
        for shell in clap_complete::Shell::value_variants() {
            let mut buf = Vec::new();
            completions(*shell, &mut buf);
            let script = String::from_utf8(buf).unwrap();
            assert!(script.contains("loadproof"), "{shell}: {script}");
        }
    }

    #[test]
    fn man_page_is_roff_and_names_every_subcommand() {
        let mut buf = Vec::new();
        man_page(&mut buf).unwrap();
        let page = String::from_utf8(buf).unwrap();
        assert!(page.contains(".TH loadproof 1"), "{page}");
        for sub in Cli::command().get_subcommands() {
            // roff escapes hyphens: `serve\-reference`.
            let name = format!("loadproof\\-{}(1)", sub.get_name().replace('-', "\\-"));
            assert!(page.contains(&name), "man page lacks {name}");
        }
    }
}
