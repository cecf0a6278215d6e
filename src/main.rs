fn main() -> std::process::ExitCode {
    tune_malloc();
    cmek::cli::main()
}

/// Turns off glibc malloc's "fastbins" (free lists of small chunks that are merged into the
/// heap in bulk, `malloc_consolidate`, whenever a larger block is requested). Loading a large
/// spec frees hundreds of thousands of small syntax-tree nodes between larger allocations, and
/// those bulk merges were a growing share of the run: without fastbins `cmek lint` of the
/// 10,000-key bench spec is about 9% faster, and of 1,000 keys about 4%, at the same peak
/// memory. Small allocations still hit the per-thread cache (tcache) first.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    // SAFETY: `mallopt` only sets an allocator parameter; `M_MXFAST` with 0 is a documented
    // value. It runs before any other thread exists. A refusal (return 0) leaves the default.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
