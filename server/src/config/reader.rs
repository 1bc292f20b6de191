//! Typed extraction of keys from orchestrator's JSON config, naming the key on every error.

use serde_json::{Map, Value};

use super::ConfigError;

/// A JSON object being consumed key by key; what is left at the end is "unknown".
pub struct KeyReader {
    map: Map<String, Value>,
    /// Every key asked for, present or not (the key-status table is checked against it).
    #[cfg_attr(not(test), allow(dead_code))]
    asked: Vec<String>,
}

impl KeyReader {
    /// Wraps a parsed config object.
    pub fn new(map: Map<String, Value>) -> Self {
        KeyReader { map, asked: Vec::new() }
    }

    /// Every key asked for so far, in order.
    #[cfg(test)]
    pub fn asked(&self) -> &[String] {
        &self.asked
    }

    /// Removes `key` and returns it when present and not `null`.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.asked.push(key.to_string());
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// A boolean key.
    pub fn bool(&mut self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(ConfigError::wrong_type(key, "a boolean", &other)),
        }
    }

    /// A string key (empty string allowed).
    pub fn string(&mut self, key: &str, default: &str) -> Result<String, ConfigError> {
        match self.take(key) {
            None => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(ConfigError::wrong_type(key, "a string", &other)),
        }
    }

    /// A non-negative integer key that must fit `max`.
    pub fn uint(&mut self, key: &str, default: u64, max: u64) -> Result<u64, ConfigError> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= max => Ok(v),
                _ => Err(ConfigError::invalid(
                    key,
                    format!("must be an integer between 0 and {max}, got {n}"),
                )),
            },
            Some(other) => Err(ConfigError::wrong_type(key, "a non-negative integer", &other)),
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, key: &str) -> Result<Vec<String>, ConfigError> {
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(ConfigError::wrong_type(key, "a list of strings", &other)),
                })
                .collect(),
            Some(other) => Err(ConfigError::wrong_type(key, "a list of strings", &other)),
        }
    }

    /// A JSON object (e.g. `ClusterNameToAlias`); empty when absent.
    pub fn object(&mut self, key: &str) -> Result<Map<String, Value>, ConfigError> {
        match self.take(key) {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map),
            Some(other) => Err(ConfigError::wrong_type(key, "an object", &other)),
        }
    }

    /// Keys nobody consumed, sorted.
    pub fn leftover_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.map.keys().cloned().collect();
        keys.sort();
        keys
    }
}

/// JSON type name for error messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
