//! drivers/cpufreq/: the CPU frequency core.

mod cpufreq;
