//! The configuration file: `--config FILE` (or `EMTOKEN_CONFIG`), a TOML file whose keys are the long
//! flags of `emtoken index` and `emtoken serve` (`database_url` or `database-url` for `--database-url`).
//!
//! Layers, each over the one before: the flag's default, the file, the environment (`EMTOKEN_<FLAG>`,
//! or the variable the flag's help names, e.g. `DATABASE_URL`), the command line. The file's values are
//! handed to clap as if typed after the command, unless the flag was typed or its variable is set; so
//! each value goes through the flag's own parser, and conflicts and requirements between flags are
//! checked as for typed ones. A key that is no flag of index or serve is an error naming it; a key the
//! running command does not have is left alone (the database flags serve the read commands too). A
//! secret may live in a file of its own: `KEY_file = "PATH"` takes KEY's value from PATH's first line.

use std::{
    collections::BTreeMap,
    ffi::OsString,
    path::{Path, PathBuf},
};

use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, parser::ValueSource};

/// The subcommands every flag of which the file and an `EMTOKEN_<FLAG>` variable may set.
pub(crate) const CONFIGURED: [&str; 2] = ["index", "serve"];

/// The command line of `emtoken`: the derived one, with an environment variable for every flag of
/// index and serve that names none itself (`--rpc`: `EMTOKEN_RPC`).
pub(crate) fn command() -> Command {
    let mut command = crate::Cli::command();
    for name in CONFIGURED {
        command = command.mut_subcommand(name, |sub| sub.mut_args(with_env));
    }
    command
}

fn with_env(arg: Arg) -> Arg {
    match (arg.get_env(), arg.get_long()) {
        (None, Some(long)) => {
            let name = env_name(long);
            arg.env(name)
        }
        _ => arg,
    }
}

/// `EMTOKEN_` and the flag's long name in capitals, `-` as `_`.
pub(crate) fn env_name(long: &str) -> String {
    format!("EMTOKEN_{}", key_of(long).to_ascii_uppercase())
}

/// The file's key of a flag: its long name with `_` for `-`.
pub(crate) fn key_of(long: &str) -> String {
    long.replace('-', "_")
}

/// A flag whose value the file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FromFile {
    /// The key as the file spells it (`database-url`, `operator_key_file`).
    pub(crate) key: String,
    /// The flag's long name.
    pub(crate) long: String,
    /// The file the value was read from, for a `KEY_file` key.
    pub(crate) secret_file: Option<PathBuf>,
}

/// The command line with the file's values in it.
#[derive(Debug)]
pub(crate) struct Layered {
    pub(crate) argv: Vec<OsString>,
    /// The configuration file, when one was given.
    pub(crate) file: Option<PathBuf>,
    pub(crate) from_file: Vec<FromFile>,
}

impl Layered {
    /// The file's keys among the flags a clap error names (its invalid and prior arguments), as
    /// "FILE: key `K`", for a message that says where the value came from.
    pub(crate) fn blame(&self, error: &clap::Error) -> Option<String> {
        use clap::error::{ContextKind, ContextValue};
        let file = self.file.as_ref()?;
        let mut named = Vec::new();
        for kind in [ContextKind::InvalidArg, ContextKind::PriorArg] {
            match error.get(kind) {
                Some(ContextValue::String(s)) => named.push(s.clone()),
                Some(ContextValue::Strings(v)) => named.extend(v.iter().cloned()),
                _ => {}
            }
        }
        let keys: Vec<String> = self
            .from_file
            .iter()
            .filter(|f| {
                let flag = format!("--{}", f.long);
                named
                    .iter()
                    .any(|n| n == &flag || n.starts_with(&format!("{flag} ")))
            })
            .map(|f| format!("`{}`", f.key))
            .collect();
        (!keys.is_empty()).then(|| format!("{}: key {}", file.display(), keys.join(", ")))
    }
}

/// `argv` with the values of the configuration file it names (`--config`, or `EMTOKEN_CONFIG`) added
/// for the flags of its command that were neither typed nor set in the environment. Without a file,
/// or when the command line does not parse (help, a typo: clap says so next), `argv` unchanged. The
/// error names the file and the key.
pub(crate) fn layer(argv: Vec<OsString>) -> Result<Layered, String> {
    layer_in(&command(), argv)
}

fn layer_in(command: &Command, argv: Vec<OsString>) -> Result<Layered, String> {
    let Ok(matches) = command
        .clone()
        .ignore_errors(true)
        .try_get_matches_from(&argv)
    else {
        return Ok(Layered {
            argv,
            file: None,
            from_file: Vec::new(),
        });
    };
    let (leaf, leaf_matches) = leaf(command, &matches);
    let file = [leaf_matches, &matches]
        .iter()
        .find_map(|m| m.try_get_one::<PathBuf>("config").ok().flatten().cloned());
    let Some(file) = file else {
        return Ok(Layered {
            argv,
            file: None,
            from_file: Vec::new(),
        });
    };
    let values = read(&file, &configurable(command))?;
    let mut argv = argv;
    let mut from_file = Vec::new();
    for value in values {
        let Some(arg) = leaf
            .get_arguments()
            .find(|a| a.get_long() == Some(value.long.as_str()))
        else {
            continue;
        };
        if matches!(
            leaf_matches.value_source(arg.get_id().as_str()),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let typed = typed_args(arg, &value).map_err(|e| format!("{}: {e}", file.display()))?;
        if typed.is_empty() {
            continue;
        }
        argv.extend(typed);
        from_file.push(FromFile {
            key: value.key,
            long: value.long,
            secret_file: value.secret_file,
        });
    }
    Ok(Layered {
        argv,
        file: Some(file),
        from_file,
    })
}

/// The command the matches ran (`api-key create`, `serve`) and its matches.
fn leaf<'a>(command: &'a Command, matches: &'a ArgMatches) -> (&'a Command, &'a ArgMatches) {
    let (mut command, mut matches) = (command, matches);
    while let Some((name, sub)) = matches.subcommand() {
        match command.find_subcommand(name) {
            Some(c) => (command, matches) = (c, sub),
            None => break,
        }
    }
    (command, matches)
}

/// Every flag the file may set, by key: those of index and serve.
fn configurable(command: &Command) -> BTreeMap<String, Arg> {
    CONFIGURED
        .iter()
        .filter_map(|name| command.find_subcommand(name))
        .flat_map(Command::get_arguments)
        .filter_map(|arg| Some((key_of(arg.get_long()?), arg.clone())))
        .collect()
}

/// A value of the file, for one flag.
#[derive(Debug)]
struct Value {
    key: String,
    long: String,
    value: toml::Value,
    secret_file: Option<PathBuf>,
}

/// The file's values, each for a flag of `flags`; errors name the file and the key.
fn read(file: &Path, flags: &BTreeMap<String, Arg>) -> Result<Vec<Value>, String> {
    let at = file.display();
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("--config {at}: cannot read it: {e}"))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{at}: not TOML: {}", e.to_string().trim_end()))?;
    let mut values: Vec<Value> = Vec::new();
    for (key, value) in table {
        let normal = key_of(&key);
        let (flag, value, secret_file) = match flags.get(&normal) {
            Some(arg) => (arg, value, None),
            None => {
                let Some(arg) = normal
                    .strip_suffix("_file")
                    .and_then(|stem| flags.get(stem))
                else {
                    return Err(format!(
                        "{at}: unknown key `{key}`: the keys are the long flags of `emtoken index` and \
                         `emtoken serve` (database_url for --database-url), or KEY_file for a secret kept in a file"
                    ));
                };
                let toml::Value::String(path) = &value else {
                    return Err(format!(
                        "{at}: key `{key}`: expected the path of a file, as a string"
                    ));
                };
                let path = PathBuf::from(path);
                let secret = std::fs::read_to_string(&path).map_err(|e| {
                    format!("{at}: key `{key}`: cannot read {}: {e}", path.display())
                })?;
                let line = secret.lines().next().unwrap_or_default().to_owned();
                if line.is_empty() {
                    return Err(format!("{at}: key `{key}`: {} is empty", path.display()));
                }
                (arg, toml::Value::String(line), Some(path))
            }
        };
        let long = flag.get_long().unwrap_or_default().to_owned();
        if let Some(earlier) = values.iter().find(|v| v.long == long) {
            return Err(format!(
                "{at}: keys `{}` and `{key}` both set --{long}: keep one",
                earlier.key
            ));
        }
        values.push(Value {
            key,
            long,
            value,
            secret_file,
        });
    }
    Ok(values)
}

/// The arguments that give `arg` the file's value: `--flag=VALUE` (once per item of a list), `--flag`
/// for a switch set true, nothing for one set false.
fn typed_args(arg: &Arg, value: &Value) -> Result<Vec<OsString>, String> {
    let key = &value.key;
    let long = &value.long;
    let switch = matches!(arg.get_action(), ArgAction::SetTrue);
    let list = matches!(arg.get_action(), ArgAction::Append);
    let one = |v: &toml::Value| -> Result<String, String> {
        match v {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            _ => Err(format!(
                "key `{key}`: expected a string or a whole number for --{long}"
            )),
        }
    };
    match &value.value {
        toml::Value::Boolean(on) if switch => Ok(if *on {
            vec![format!("--{long}").into()]
        } else {
            Vec::new()
        }),
        _ if switch => Err(format!(
            "key `{key}`: --{long} is a switch: expected true or false"
        )),
        toml::Value::Array(items) if list => items
            .iter()
            .map(|item| Ok(format!("--{long}={}", one(item)?).into()))
            .collect(),
        toml::Value::Array(_) => Err(format!("key `{key}`: --{long} takes one value, not a list")),
        single => Ok(vec![format!("--{long}={}", one(single)?).into()]),
    }
}

/// One flag of the effective configuration, as `emtoken config show` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Setting {
    pub(crate) key: String,
    pub(crate) flag: String,
    pub(crate) env: Option<String>,
    /// The values (several for a list), masked when secret; none when unset.
    pub(crate) values: Vec<String>,
    pub(crate) switch: bool,
    pub(crate) list: bool,
    /// `flag`, `file`, `env` or `default`; `unset`.
    pub(crate) source: &'static str,
    /// For a value read from a `KEY_file` key: that file.
    pub(crate) secret_file: Option<PathBuf>,
    pub(crate) secret: bool,
}

/// The effective configuration of `emtoken <subcommand>` given `argv` (typed flags, `--config`), one
/// setting per flag, in the order of its help.
pub(crate) fn effective(subcommand: &str, layered: &Layered) -> anyhow::Result<Vec<Setting>> {
    effective_in(&command(), subcommand, layered)
}

fn effective_in(
    command: &Command,
    subcommand: &str,
    layered: &Layered,
) -> anyhow::Result<Vec<Setting>> {
    let matches = command
        .clone()
        .ignore_errors(true)
        .try_get_matches_from(&layered.argv)
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
    let sub_command = command
        .find_subcommand(subcommand)
        .ok_or_else(|| anyhow::anyhow!("no command {subcommand}"))?;
    let sub = matches
        .subcommand_matches(subcommand)
        .ok_or_else(|| anyhow::anyhow!("no matches for {subcommand}"))?;
    let mut settings = Vec::new();
    for arg in sub_command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if long == "config" {
            continue;
        }
        let id = arg.get_id().as_str();
        let from_file = layered.from_file.iter().find(|f| f.long == long);
        let source = match sub.value_source(id) {
            Some(ValueSource::CommandLine) if from_file.is_some() => "file",
            Some(ValueSource::CommandLine) => "flag",
            Some(ValueSource::EnvVariable) => "env",
            Some(ValueSource::DefaultValue) => "default",
            _ => "unset",
        };
        let secret =
            arg.is_hide_env_values_set() || from_file.is_some_and(|f| f.secret_file.is_some());
        let values: Vec<String> = sub
            .get_raw(id)
            .into_iter()
            .flatten()
            .map(|v| mask(&v.to_string_lossy(), secret))
            .collect();
        settings.push(Setting {
            key: key_of(long),
            flag: format!("--{long}"),
            env: arg.get_env().map(|e| e.to_string_lossy().into_owned()),
            values,
            switch: matches!(arg.get_action(), ArgAction::SetTrue),
            list: matches!(arg.get_action(), ArgAction::Append),
            source,
            secret_file: from_file.and_then(|f| f.secret_file.clone()),
            secret,
        });
    }
    Ok(settings)
}

/// A secret as `********`; a URL's password as `***`, the rest shown (where it points is no secret).
fn mask(value: &str, secret: bool) -> String {
    if !secret {
        return value.to_owned();
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        return "********".into();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => value.to_owned(),
    }
}

/// The settings as a TOML file that gives them, each line commented with where its value came from.
pub(crate) fn to_toml(subcommand: &str, file: Option<&Path>, settings: &[Setting]) -> String {
    // Whole numbers bare, the rest as TOML strings: the file hands both to the flag as text.
    let quote = |s: &str| match s.parse::<i64>() {
        Ok(n) => n.to_string(),
        Err(_) => toml::Value::String(s.to_owned()).to_string(),
    };
    let mut out = format!(
        "# emtoken {subcommand}: the effective configuration ({}; then the environment, then the flags' defaults)\n",
        match file {
            Some(f) => format!("file {}", f.display()),
            None => "no --config file".into(),
        }
    );
    for s in settings {
        let origin = match (s.source, &s.env, &s.secret_file) {
            ("file", _, Some(path)) => format!("file ({}_file: {})", s.key, path.display()),
            ("env", Some(env), _) => format!("env {env}"),
            (source, _, _) => source.to_owned(),
        };
        let line = match (s.values.as_slice(), s.switch, s.list) {
            ([], _, _) => {
                out.push_str(&format!("# {}: unset\n", s.key));
                continue;
            }
            ([v], true, _) => format!("{} = {v}", s.key),
            (values, _, true) => format!(
                "{} = [{}]",
                s.key,
                values
                    .iter()
                    .map(|v| quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ([v, ..], _, _) => format!("{} = {}", s.key, quote(v)),
        };
        out.push_str(&format!("{line}  # {origin}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::FromArgMatches;

    use super::*;
    use crate::commands::Command as Sub;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("emtoken")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// The command line with every variable renamed to one no environment sets (the tests' own runs
    /// set DATABASE_URL, and a developer's shell may set EMTOKEN_*).
    fn isolated() -> Command {
        let mut command = command();
        for name in CONFIGURED {
            command = command.mut_subcommand(name, |sub| {
                sub.mut_args(|arg| match arg.get_env() {
                    Some(env) => {
                        let renamed =
                            format!("EMTOKEN_CONFIG_TEST_UNSET_{}", env.to_string_lossy());
                        arg.env(renamed)
                    }
                    None => arg,
                })
            });
        }
        command
    }

    fn layer(argv: Vec<OsString>) -> Result<Layered, String> {
        layer_in(&isolated(), argv)
    }

    fn parse(layered: &Layered) -> Result<crate::Cli, clap::Error> {
        isolated()
            .try_get_matches_from(&layered.argv)
            .and_then(|m| crate::Cli::from_arg_matches(&m))
    }

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    const CONTRACT: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

    #[test]
    fn every_flag_of_index_and_serve_has_a_variable() {
        let command = command();
        for name in CONFIGURED {
            for arg in command.find_subcommand(name).unwrap().get_arguments() {
                if arg.get_long().is_some() {
                    assert!(arg.get_env().is_some(), "{name} --{:?}", arg.get_long());
                }
            }
        }
        let serve = command.find_subcommand("serve").unwrap();
        let rpc = serve
            .get_arguments()
            .find(|a| a.get_long() == Some("rpc"))
            .unwrap();
        assert_eq!(rpc.get_env().unwrap(), "EMTOKEN_RPC");
        let db = serve
            .get_arguments()
            .find(|a| a.get_long() == Some("database-url"))
            .unwrap();
        assert_eq!(db.get_env().unwrap(), "DATABASE_URL");
    }

    #[test]
    fn the_file_gives_flags_the_command_line_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let config = file(
            &dir,
            "emtoken.toml",
            &format!(
                "rpc = \"http://10.0.0.1:8545\"\ncontract = \"{CONTRACT}\"\nconfirmations = 3\n\
                 chain-rpc = [\"31338=http://10.0.0.2:8545\"]\nuntil_head = true\ndata_dir = \"/var/lib/x\"\n"
            ),
        );
        let layered = layer(argv(&[
            "index",
            "--config",
            &config,
            "--confirmations",
            "5",
        ]))
        .unwrap();
        let cli = parse(&layered).unwrap();
        let Sub::Index(index) = cli.command else {
            panic!("not index")
        };
        assert_eq!(index.rpc, "http://10.0.0.1:8545");
        assert_eq!(format!("{:#x}", index.contract), CONTRACT);
        assert_eq!(index.confirmations, 5, "the typed flag wins over the file");
        assert!(index.until_head);
        assert_eq!(
            index.chain_rpcs,
            vec![(31_338, "http://10.0.0.2:8545".to_owned())]
        );
        let keys: Vec<&str> = layered.from_file.iter().map(|f| f.key.as_str()).collect();
        assert!(!keys.contains(&"confirmations"), "{keys:?}");
        assert!(
            keys.contains(&"chain-rpc") && keys.contains(&"data_dir"),
            "{keys:?}"
        );
    }

    #[test]
    fn keys_of_serve_are_left_alone_by_commands_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let config = file(
            &dir,
            "c.toml",
            "data_dir = \"/nonexistent/emtoken\"\nlisten = \"127.0.0.1:9999\"\nrate_limit = 5\n",
        );
        let layered = layer(argv(&["wallets", "--config", &config])).unwrap();
        assert_eq!(layered.from_file.len(), 1, "{:?}", layered.from_file);
        assert_eq!(layered.from_file[0].key, "data_dir");
        parse(&layered).unwrap();
    }

    #[test]
    fn unknown_keys_bad_values_and_doubles_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let unknown = file(&dir, "a.toml", "rpc = \"http://x:1\"\nrcp_url = \"x\"\n");
        let error = layer(argv(&["index", "--config", &unknown])).unwrap_err();
        assert!(
            error.contains("unknown key `rcp_url`") && error.contains("a.toml"),
            "{error}"
        );

        let twice = file(
            &dir,
            "b.toml",
            "database_url = \"postgres://a/b\"\ndatabase-url = \"postgres://c/d\"\n",
        );
        let error = layer(argv(&["index", "--config", &twice])).unwrap_err();
        assert!(error.contains("both set --database-url"), "{error}");

        let list = file(&dir, "c.toml", "rpc = [\"http://x:1\"]\n");
        let error = layer(argv(&["index", "--config", &list])).unwrap_err();
        assert!(
            error.contains("key `rpc`") && error.contains("not a list"),
            "{error}"
        );

        let switch = file(&dir, "d.toml", "until_head = \"yes\"\n");
        let error = layer(argv(&["index", "--config", &switch])).unwrap_err();
        assert!(
            error.contains("key `until_head`") && error.contains("switch"),
            "{error}"
        );

        let broken = file(&dir, "e.toml", "rpc = \n");
        let error = layer(argv(&["index", "--config", &broken])).unwrap_err();
        assert!(
            error.contains("not TOML") && error.contains("line 1"),
            "{error}"
        );

        // A value the flag's parser refuses: clap's error, blamed on the file's key.
        let bad = file(
            &dir,
            "f.toml",
            &format!("rpc = \"http://x:1\"\ncontract = \"{CONTRACT}\"\nconfirmations = -2\n"),
        );
        let layered = layer(argv(&["index", "--config", &bad])).unwrap();
        let error = parse(&layered).unwrap_err();
        assert_eq!(
            layered.blame(&error).unwrap(),
            format!("{bad}: key `confirmations`")
        );

        let missing = dir.path().join("none.toml").display().to_string();
        let error = layer(argv(&["index", "--config", &missing])).unwrap_err();
        assert!(error.contains("cannot read it"), "{error}");
    }

    #[test]
    fn secrets_come_from_files_and_are_masked() {
        let dir = tempfile::tempdir().unwrap();
        let key = file(
            &dir,
            "operator.key",
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
        );
        let config = file(
            &dir,
            "emtoken.toml",
            &format!(
                "rpc = \"http://10.0.0.1:8545\"\ncontract = \"{CONTRACT}\"\noperator_key_file = \"{key}\"\n\
                 database_url = \"postgres://emtoken:hunter2@db:5432/emtoken\"\n"
            ),
        );
        let layered = layer(argv(&["serve", "--config", &config])).unwrap();
        let settings = effective_in(&isolated(), "serve", &layered).unwrap();
        let get = |k: &str| settings.iter().find(|s| s.key == k).unwrap().clone();
        let operator = get("operator_key");
        assert_eq!(operator.values, vec!["********".to_owned()]);
        assert_eq!(operator.source, "file");
        assert_eq!(operator.secret_file.as_deref(), Some(Path::new(&key)));
        assert_eq!(
            get("database_url").values,
            vec!["postgres://emtoken:***@db:5432/emtoken".to_owned()]
        );
        assert_eq!(get("listen").source, "default");
        assert_eq!(get("ws").source, "unset");
        let text = to_toml("serve", layered.file.as_deref(), &settings);
        assert!(
            !text.contains("hunter2") && !text.contains("ac0974"),
            "{text}"
        );
        assert!(
            text.contains("rpc = \"http://10.0.0.1:8545\"  # file"),
            "{text}"
        );
        // What it prints is a configuration file that gives the same values (secrets aside).
        let printed: toml::Table = text.parse().unwrap();
        assert_eq!(printed["listen"].as_str(), Some("127.0.0.1:8080"));

        let cli = parse(&layered).unwrap();
        let Sub::Serve(serve) = cli.command else {
            panic!("not serve")
        };
        assert!(
            format!("{serve:?}")
                .contains("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        );
    }
}
