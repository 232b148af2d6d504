//! Finds libtabllm: TABLLM_LIB_DIR, then the pkg-config command, then a plain
//! -ltabllm. No build dependencies: pkg-config is run as a process.
use std::env;
use std::process::Command;

fn emit_search_and_include(lib_dirs: &[String], include_dirs: &[String]) {
    // Dependents see these as DEP_TABLLM_LIB_DIR / DEP_TABLLM_INCLUDE; this
    // crate's own tests (the layout probe) see them through rustc-env.
    println!("cargo:lib_dir={}", lib_dirs.join(":"));
    println!("cargo:include={}", include_dirs.join(":"));
    println!("cargo:rustc-env=TABLLM_SYS_LIB_DIRS={}", lib_dirs.join(":"));
    println!("cargo:rustc-env=TABLLM_SYS_INCLUDE_DIRS={}", include_dirs.join(":"));
}

fn from_env(static_link: bool) -> bool {
    let dir = match env::var("TABLLM_LIB_DIR") {
        Ok(d) if !d.is_empty() => d,
        _ => return false,
    };
    println!("cargo:rustc-link-search=native={}", dir);
    println!("cargo:rustc-link-lib={}=tabllm", if static_link { "static" } else { "dylib" });
    let includes: Vec<String> = env::var("TABLLM_INCLUDE_DIR").into_iter().filter(|s| !s.is_empty()).collect();
    emit_search_and_include(&[dir], &includes);
    true
}

fn from_pkg_config(static_link: bool) -> bool {
    let pkg_config = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let mut cmd = Command::new(&pkg_config);
    cmd.args(["--libs", "--cflags"]);
    if static_link {
        cmd.arg("--static");
    }
    cmd.arg("tabllm");
    let out = match cmd.output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "cargo:warning=pkg-config tabllm failed ({}); linking with -ltabllm",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return false;
        }
        Err(_) => return false, // no pkg-config on this machine
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (mut libs, mut incs, mut linked) = (Vec::new(), Vec::new(), false);
    for tok in text.split_whitespace() {
        if let Some(d) = tok.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", d);
            libs.push(d.to_string());
        } else if let Some(l) = tok.strip_prefix("-l") {
            let kind = if static_link && l == "tabllm" { "static" } else { "dylib" };
            println!("cargo:rustc-link-lib={}={}", kind, l);
            linked |= l == "tabllm";
        } else if let Some(i) = tok.strip_prefix("-I") {
            incs.push(i.to_string());
        }
    }
    if !linked {
        println!("cargo:rustc-link-lib=dylib=tabllm");
    }
    emit_search_and_include(&libs, &incs);
    true
}

fn main() {
    for var in ["TABLLM_LIB_DIR", "TABLLM_INCLUDE_DIR", "TABLLM_STATIC", "PKG_CONFIG", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let static_link = env::var("TABLLM_STATIC").map(|v| v == "1").unwrap_or(false);
    if from_env(static_link) || from_pkg_config(static_link) {
        return;
    }
    println!("cargo:rustc-link-lib=dylib=tabllm");
    emit_search_and_include(&[], &[]);
}
