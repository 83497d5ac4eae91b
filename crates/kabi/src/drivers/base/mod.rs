//! drivers/base: buses, drivers, devices, classes, kobjects.
