//! drivers/input: the serio bus (`serio`).

pub mod serio;
