//! Compiles and runs tests/layout_probe.c (generated from tabllm.h) with the
//! system C compiler and returns what it prints.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn dirs(list: &str) -> Vec<String> {
    list.split(':').filter(|s| !s.is_empty()).map(String::from).collect()
}

pub fn run(source: &str) -> Vec<String> {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = tmp.join("layout_probe.c");
    let exe = tmp.join("layout_probe");
    std::fs::write(&src, source).unwrap();
    let mut includes = dirs(env!("TABLLM_SYS_INCLUDE_DIRS"));
    // The header of this source tree, when the build script was not told one.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../include");
    includes.push(here.to_string_lossy().into_owned());
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut cmd = Command::new(&cc);
    cmd.args(["-std=c11", "-Wall", "-Werror"]);
    for i in &includes {
        cmd.arg(format!("-I{}", i));
    }
    // Only the header: the probe checks every function's type at compile time.
    cmd.arg(&src).arg("-o").arg(&exe);
    let status = cmd.status().unwrap_or_else(|e| panic!("cannot run {}: {}", cc, e));
    assert!(status.success(), "the layout probe did not compile: {:?}", cmd);
    let out = Command::new(&exe).output().expect("running the layout probe");
    assert!(out.status.success(), "the layout probe failed: {:?}", out);
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}
