//! The engine: the glue that connects the libraries (spec, policy, plan, providers, state) into
//! the commands. [`oracle`] gives the plan core the real policy library.

pub mod oracle;
