//! The "Examples:" section of each command's `--help`, kept apart from the argument definitions
//! so the help text reads as a whole.

pub const TOP: &str = "\
Examples:
  cmek init keys --provider aws          write a commented starter config
  cmek validate keys                     parse and type-check, no network
  cmek fmt --check keys                  is every spec file canonically formatted?

Run `cmek help <command>` for each command's options and examples.";

pub const VALIDATE: &str = "\
Examples:
  cmek validate                          the config in the current directory
  cmek validate examples/quickstart      another directory
  cmek validate --format json keys       diagnostics as JSON, for editors and CI
  cmek validate -var region=us-east-2    set a variable (also -var-file, CMEK_VAR_<name>)";

pub const FMT: &str = "\
Examples:
  cmek fmt                               rewrite every *.hcl file below the current directory
  cmek fmt --check examples modules      change nothing; print a diff and exit 1 if unformatted
  cmek fmt --no-recursive keys           only the files directly in keys/
  cat main.cmek.hcl | cmek fmt -         format standard input to standard output";

pub const INIT: &str = "\
Examples:
  cmek init keys --provider aws                                 AWS KMS, Claude Platform
  cmek init keys --provider gcp                                 Google Cloud KMS
  cmek init keys --provider aws --platform claude_platform_aws  Claude Platform on AWS
  cmek init keys --provider azure --platform claude_enterprise  Azure, Claude Enterprise";

pub const STATE: &str = "\
Examples:
  cmek state list keys                   every managed address
  cmek state show key.aws.prod keys      one entry with its protection history
  cmek state pull keys > backup.json     the state document
  cmek state push backup.json keys       replace the state (lineage and serial are checked)";

pub const FORCE_UNLOCK: &str = "\
Examples:
  cmek force-unlock 6f0c9e1a-0d2b-4a57-9c1e-3b1f2a4d5e6f keys
    (the lock id is printed by the command that found the lock held)";

pub const LINT: &str = "\
Examples:
  cmek lint examples/aws                                   a spec directory
  cmek lint key-policy.json --region us-east-2 --org-uuid 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f
  cmek lint keys --format sarif > cmek.sarif               for GitHub code scanning
  cmek lint keys --format github --fail-on warning         workflow annotations
  cmek lint --explain CMEK-AWS-008                         what a rule checks and how to fix it";

pub const REVIEW: &str = "\
Examples:
  cmek review keys --out keys/reviews      write one Markdown review per key (commit them)
  cmek review keys --check keys/reviews    CI: print a diff and exit 1 if a review is stale";

pub const PLAN: &str = "\
Examples:
  cmek plan --sandbox examples/quickstart              against the in-process emulators
  cmek plan keys --detailed-exitcode                   0 nothing to do, 2 changes, 3 refused
  cmek plan keys --format markdown --split             for a pull-request comment
  cmek plan keys --out plan.json                       save it for `cmek apply plan.json`";

pub const APPLY: &str = "\
Examples:
  cmek apply --sandbox --auto-approve examples/quickstart
  cmek apply keys                                      asks for `yes` before changing anything
  cmek apply plan.json --config-dir keys               a saved plan; refused if anything moved";

pub const VERIFY: &str = "\
Examples:
  cmek verify --sandbox examples/quickstart            every managed key, against the emulators
  cmek verify keys                                     exit 0 all passed, 4 a check failed, 1 error
  cmek verify keys --format json                       the per-key results as JSON (for monitoring)
  cmek verify keys --parallelism 4                     at most 4 keys verified at once";
pub const IMPORT: &str = "\
Examples:
  cmek import key.aws.prod arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
  cmek import key.aws.prod alias/anthropic-cmek-prod        an alias resolves to its key ARN
  cmek import external_key.prod ekey_01AbCdEf               the registration at Anthropic
  cmek import workspace.prod wrkspc_01AbCdEf                an attached workspace is protected at once
  cmek import --sandbox examples/quickstart key.aws.quickstart alias/anthropic-cmek-quickstart
  (or write `import { to = key.aws.prod, id = \"...\" }` in the spec; plan shows it, apply adopts it)";

pub const SHOW: &str = "\
Examples:
  cmek show plan.json                                  a saved plan
  cmek show state --json                               the state";

pub const SANDBOX: &str = "\
Examples:
  cmek sandbox serve examples/quickstart               run the emulators in the foreground
  cmek sandbox reset examples/quickstart               forget the emulated world";
