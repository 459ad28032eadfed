//! Serves the vendored front-end libraries at `/vendor/`: `ui/` is the app's `frontendDist` and the console
//! loads `/vendor/...`, so `assets/vendor/` (the one copy in the repository) is mirrored into `ui/vendor/`
//! (ignored by git) before tauri-build embeds `ui/`. A mirror rather than a symlink: the asset embedder
//! does not follow links on every platform, and a copy works the same on all of them.

use std::fs;
use std::io;
use std::path::Path;

fn main() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir.parent().expect("src-tauri sits in the workspace root");
    let vendor = root.join("assets").join("vendor");
    let served = root.join("ui").join("vendor");
    println!("cargo:rerun-if-changed={}", vendor.display());
    // Cargo only watches a folder's own entries; the fonts live one level down.
    for entry in fs::read_dir(&vendor).expect("assets/vendor exists").flatten() {
        println!("cargo:rerun-if-changed={}", entry.path().display());
    }
    mirror(&vendor, &served).expect("mirroring assets/vendor into ui/vendor");
    tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
        .expect("tauri-build failed");
}

/// Makes `to` an exact copy of `from`: copies what differs in size or is newer, removes what is gone.
fn mirror(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            mirror(&entry.path(), &target)?;
        } else if differs(&entry.path(), &target)? {
            fs::copy(entry.path(), &target)?;
        }
    }
    for entry in fs::read_dir(to)? {
        let entry = entry?;
        if !from.join(entry.file_name()).exists() {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

fn differs(source: &Path, target: &Path) -> io::Result<bool> {
    let Ok(existing) = fs::metadata(target) else { return Ok(true) };
    let wanted = fs::metadata(source)?;
    Ok(existing.len() != wanted.len() || wanted.modified()? > existing.modified()?)
}
