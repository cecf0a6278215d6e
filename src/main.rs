fn main() -> std::process::ExitCode {
    cmek::cli::main()
}
