//! drivers/input: the input core's handlers (`input`) and the serio bus
//! (`serio`).

pub mod input;
pub mod serio;
