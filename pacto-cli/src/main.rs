//! `pacto`: the command-line face of Pacto. Each command is a small function over `pacto-core`.

mod commands;
mod net;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use pacto_core::report::OutputFormat;
use std::process::ExitCode;

/// Operational contracts for cloud-native services.
#[derive(Debug, Parser)]
#[command(name = "pacto", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Output format: text, json, markdown or sarif.
    #[arg(long, global = true, env = "PACTO_OUTPUT_FORMAT", default_value = "text", value_parser = FormatParser)]
    output_format: OutputFormat,

    /// Debug logs on stderr.
    #[arg(short, long, global = true, env = "PACTO_VERBOSE", value_parser = clap::builder::BoolishValueParser::new())]
    verbose: bool,

    #[command(flatten)]
    net: net::NetArgs,

    #[command(subcommand)]
    command: Command,
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    s.parse()
        .map_err(|e: pacto_core::report::UnknownOutputFormat| e.to_string())
}

/// `parse_format`, plus the closed list of formats, so `--help` and the shell completions
/// (`pacto completion`) offer them.
#[derive(Clone)]
struct FormatParser;

impl clap::builder::TypedValueParser for FormatParser {
    type Value = OutputFormat;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<OutputFormat, clap::Error> {
        clap::builder::TypedValueParser::parse_ref(&parse_format, cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            OutputFormat::ALL
                .iter()
                .map(|f| clap::builder::PossibleValue::new(f.as_str())),
        ))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scaffold a new bundle: NAME/pacto.yaml, NAME/interfaces/, NAME/configuration/.
    Init(commands::init::Args),
    /// Validate bundles: syntax, schema, cross-field rules, semantics and policies.
    Validate(commands::validate::Args),
    /// Compare two versions of a contract and classify every change.
    Diff(commands::diff::Args),
    /// Pack a bundle into a reproducible tar.gz.
    Pack(commands::pack::Args),
    /// Write or check pacto.lock: the pinned dependency and reference closure (lockVersion 3).
    Lock(commands::lock::Args),
    /// Validate a bundle and push it to an OCI registry.
    Push(commands::push::Args),
    /// Pull a bundle from an OCI registry into a directory.
    Pull(commands::pull::Args),
    /// Store credentials for a registry.
    Login(commands::login::Args),
    /// Remove the credentials `pacto login` stored for a registry.
    Logout(commands::login::LogoutArgs),
    /// Resolve and show the dependency graph.
    Graph(commands::graph::Args),
    /// Summarise a contract: service, runtime, interfaces, dependencies, scaling.
    Explain(commands::explain::Args),
    /// Generate Markdown documentation (or serve it as HTML with --serve).
    Doc(commands::doc::Args),
    /// Run a generator plugin (pacto-plugin-NAME) on a contract.
    Generate(commands::generate::Args),
    /// Who breaks if this ships: the diff of OLD -> NEW projected onto the fleet's consumers.
    Impact(commands::impact::Args),
    /// Query the fleet: snapshot, status, search, get, graph, explain.
    Fleet(commands::fleet::Args),
    /// Migrate a 1.x contract to Pacto 2.0, keeping its comments (in place, -o OUT, or --dry-run).
    Migrate(commands::migrate::Args),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(commands::lsp::Args),
    /// Run the MCP server for AI assistants (stdio, or streamable HTTP with -t http).
    Mcp(commands::mcp::Args),
    /// Explore every service, its graph, versions and diffs in the browser (read-only).
    Dashboard(commands::dashboard::Args),
    /// Print the version, git commit, build date and OS/arch.
    Version,
    /// Print the shell completion script: bash, zsh, fish or powershell.
    Completion(commands::completion::Args),
}

impl Command {
    /// The `--output-format` values the command can render. Asking for another is a usage
    /// error, not a silent fallback to text.
    fn output_formats(&self) -> &'static [OutputFormat] {
        use OutputFormat::{Json, Markdown, Text};
        match self {
            Command::Validate(_) | Command::Diff(_) => &OutputFormat::ALL,
            // The Markdown document itself, or it inside a JSON object.
            Command::Doc(_) => &[Text, Markdown, Json],
            Command::Graph(args) => args.output_formats(),
            Command::Impact(_) | Command::Fleet(_) => &[Text, Json, Markdown],
            Command::Init(_)
            | Command::Pack(_)
            | Command::Lock(_)
            | Command::Push(_)
            | Command::Pull(_)
            | Command::Login(_)
            | Command::Logout(_)
            | Command::Version
            | Command::Explain(_)
            | Command::Generate(_)
            | Command::Migrate(_) => &[Text, Json],
            // Servers and completion scripts print no report: the setting (often from the
            // environment) does not concern them.
            Command::Lsp(_) | Command::Mcp(_) | Command::Dashboard(_) | Command::Completion(_) => {
                &OutputFormat::ALL
            }
        }
    }
}

/// Parse the command line; exit 2 (clap's usage error) when the output format is one the
/// command cannot render, naming the formats it supports.
fn parse_cli() -> Cli {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let mut cli = cli;
    let supported = cli.command.output_formats();
    if !supported.contains(&cli.output_format) {
        let format = cli.output_format;
        if matches.value_source("output_format") == Some(ValueSource::EnvVariable) {
            // A pipeline sets PACTO_OUTPUT_FORMAT once for every step (Go Pacto's action does):
            // a command that cannot render it falls back to its first format, as Go does, and
            // says so. Only an explicit --output-format is a usage error.
            let fallback = supported.first().copied().unwrap_or(OutputFormat::Text);
            eprintln!(
                "note: PACTO_OUTPUT_FORMAT={format}: `pacto {}` cannot render {format}; using {}",
                matches.subcommand_name().unwrap_or("this command"),
                fallback.as_str()
            );
            cli.output_format = fallback;
            return cli;
        }
        let given = format!("--output-format {format}");
        let name = matches.subcommand_name().unwrap_or("this command");
        let list: Vec<&str> = supported.iter().map(|f| f.as_str()).collect();
        Cli::command()
            .error(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "{given}: `pacto {name}` cannot render {format}; it supports {}",
                    list.join(", ")
                ),
            )
            .exit();
    }
    cli
}

fn main() -> ExitCode {
    let cli = parse_cli();
    net::init(cli.net.clone());
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&args, cli.output_format),
        Command::Validate(args) => commands::validate::run(&args, cli.output_format),
        Command::Diff(args) => commands::diff::run(&args, cli.output_format),
        Command::Pack(args) => commands::pack::run(&args, cli.output_format),
        Command::Lock(args) => commands::lock::run(&args, cli.output_format),
        Command::Push(args) => commands::push::run(&args, cli.output_format),
        Command::Pull(args) => commands::pull::run(&args, cli.output_format),
        Command::Login(args) => commands::login::run(&args, cli.output_format),
        Command::Logout(args) => commands::login::run_logout(&args, cli.output_format),
        Command::Graph(args) => commands::graph::run(&args, cli.output_format),
        Command::Explain(args) => commands::explain::run(&args, cli.output_format),
        Command::Doc(args) => commands::doc::run(&args, cli.output_format),
        Command::Generate(args) => commands::generate::run(&args, cli.output_format),
        Command::Migrate(args) => commands::migrate::run(&args, cli.output_format),
        Command::Impact(args) => commands::impact::run(&args, cli.output_format),
        Command::Fleet(args) => commands::fleet::run(&args, cli.output_format),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Mcp(args) => commands::mcp::run(&args),
        Command::Dashboard(args) => commands::dashboard::run(&args, &cli.net),
        Command::Version => commands::version::run(cli.output_format),
        Command::Completion(args) => commands::completion::run(&args, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(1)
        }
    }
}
