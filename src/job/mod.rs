//! A job: an experiment loaded, its data prepared and its memory budgeted, ready for the layers
//! above (training, results, the report and the commands) to take by reference.

pub mod budget;
pub mod prepare;
