//! ROUGE-L (to be written).
