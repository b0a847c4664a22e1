//! TEMPORARY skeleton of the `game24` task; the real world is being written.
use super::{Example, Task, Verdict};
use crate::rng::Rng;

#[derive(Default)]
pub struct Game24;

impl Task for Game24 {
    fn name(&self) -> &'static str {
        "game24"
    }
    fn difficulty_range(&self) -> (u32, u32) {
        (1, 1)
    }
    fn generate(&self, _rng: &mut Rng, _difficulty: Option<u32>) -> Example {
        unimplemented!()
    }
    fn verify(&self, _ex: &Example, _response: &str) -> Verdict {
        unimplemented!()
    }
    fn count_steps(&self, _answer: &str) -> usize {
        unimplemented!()
    }
    fn check_steps(&self, _ex: &Example, _response: &str) -> (usize, usize) {
        unimplemented!()
    }
    fn rewrite(&self, _seed: &Example, _fidelity: f64, _rng: &mut Rng) -> Option<Example> {
        unimplemented!()
    }
    fn corrupt_answer(&self, _ex: &Example, _rng: &mut Rng) -> String {
        unimplemented!()
    }
    fn lexicon(&self) -> Vec<String> {
        Vec::new()
    }
}
