//! How much memory this process may use: the least of the memory the machine has free, the
//! address space `ulimit -v` allows (less what threads and the allocator reserve without
//! using), and the cgroup's limit (a container's or a Slurm job's). Every estimate runner
//! refuses against, before it allocates, is compared with this.
//!
//! Read by hand: three numbers from `/proc` and `getrlimit`; `sysinfo` would scan every
//! process for them.

use std::fmt;

/// A byte count as people read it: `1.5 GB`.
pub struct Bytes(pub f64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
        let mut v = self.0;
        let mut u = 0;
        while v >= 1000.0 && u + 1 < units.len() {
            v /= 1000.0;
            u += 1;
        }
        if u == 0 {
            write!(f, "{v:.0} B")
        } else if v >= 1e6 {
            write!(f, "{v:.2e} {}", units[u])
        } else {
            write!(f, "{v:.1} {}", units[u])
        }
    }
}

/// Address space reserved but not used, per thread: glibc's malloc arena (64 MiB) and a stack.
const RESERVED_PER_THREAD: f64 = 72.0 * 1024.0 * 1024.0;
/// Address space the binary, its libraries and the main arena take.
const RESERVED_BASE: f64 = 96.0 * 1024.0 * 1024.0;

/// The memory this process may use with `threads` worker threads, and where that limit comes
/// from, in words; `None` when nothing says.
pub fn limit(threads: usize) -> Option<(f64, &'static str)> {
    let mut limits: Vec<(f64, &'static str)> = Vec::new();
    if let Some(a) = available() {
        limits.push((a, "the memory this machine has free"));
    }
    if let Some(v) = address_space() {
        let usable = v - RESERVED_BASE - RESERVED_PER_THREAD * (threads + 1) as f64;
        limits.push((
            usable.max(0.0),
            "the address space `ulimit -v` allows, less what threads reserve",
        ));
    }
    if let Some(c) = cgroup() {
        limits.push((c, "the memory this process's cgroup allows"));
    }
    limits.into_iter().min_by(|a, b| a.0.total_cmp(&b.0))
}

/// The memory the machine has free (`MemAvailable` in `/proc/meminfo`), if it says.
pub fn available() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// The soft `RLIMIT_AS` (`ulimit -v`), if one is set.
fn address_space() -> Option<f64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a valid pointer.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur as f64)
}

/// What the cgroup (v2) still allows: `memory.max` less `memory.current`, if limited.
fn cgroup() -> Option<f64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = own.lines().find_map(|l| l.strip_prefix("0::"))?;
    let dir = std::path::Path::new("/sys/fs/cgroup").join(rel.trim_start_matches('/'));
    let max: f64 = std::fs::read_to_string(dir.join("memory.max"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let current: f64 = std::fs::read_to_string(dir.join("memory.current"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.0);
    Some((max - current).max(0.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_limit_is_the_least_of_what_is_known() {
        let (l, _) = super::limit(2).expect("Linux says how much memory is free");
        assert!(l <= super::available().unwrap());
        assert!(l >= 0.0);
    }
}
