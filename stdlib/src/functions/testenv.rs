//! A small [`Env`] for the unit tests: variables in insertion order, `${name}` substitution
//! only, a fixed clock and a scripted random source.

use super::Env;

/// Channel and global variables with Asterisk's stripped-name comparison.
#[derive(Default)]
pub struct TestEnv {
    pub vars: Vec<(Vec<u8>, Vec<u8>)>,
    pub globals: Vec<(Vec<u8>, Vec<u8>)>,
    pub randoms: Vec<u32>,
    pub now: (i64, u32),
    /// What functions logged as they went on ([`Env::warn`]), as log lines.
    pub log: Vec<String>,
}

fn stripped(name: &[u8]) -> &[u8] {
    let n = name.iter().take(2).take_while(|&&b| b == b'_').count();
    &name[n..]
}

fn find(list: &[(Vec<u8>, Vec<u8>)], name: &[u8]) -> Option<Vec<u8>> {
    list.iter()
        .find(|(n, _)| stripped(n) == name)
        .map(|(_, v)| v.clone())
}

fn set(list: &mut Vec<(Vec<u8>, Vec<u8>)>, name: &[u8], value: Option<&[u8]>) {
    if let Some(i) = list.iter().position(|(n, _)| stripped(n) == stripped(name)) {
        list.remove(i);
    }
    if let Some(v) = value {
        list.insert(0, (name.to_vec(), v.to_vec()));
    }
}

impl TestEnv {
    /// With these channel variables.
    pub fn with(vars: &[(&str, &str)]) -> TestEnv {
        let mut env = TestEnv::default();
        for (n, v) in vars {
            env.set_var(n.as_bytes(), Some(v.as_bytes()));
        }
        env
    }

    /// A channel variable's value as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.var(name.as_bytes())
            .map(|v| String::from_utf8(v).unwrap())
    }
}

impl Env for TestEnv {
    fn substitute(&mut self, template: &[u8]) -> Vec<u8> {
        let name = template
            .strip_prefix(b"${")
            .and_then(|t| t.strip_suffix(b"}"))
            .unwrap_or(template);
        self.var(name).unwrap_or_default()
    }
    fn var(&self, name: &[u8]) -> Option<Vec<u8>> {
        find(&self.vars, name).or_else(|| find(&self.globals, name))
    }
    fn set_var(&mut self, name: &[u8], value: Option<&[u8]>) {
        set(&mut self.vars, name, value);
    }
    fn global(&self, name: &[u8]) -> Option<Vec<u8>> {
        find(&self.globals, name)
    }
    fn set_global(&mut self, name: &[u8], value: Option<&[u8]>) {
        set(&mut self.globals, name, value);
    }
    fn var_list(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.vars.clone()
    }
    fn warn(&mut self, complaint: super::Complaint) {
        self.log.extend(complaint.line());
    }
    fn random(&mut self) -> u32 {
        if self.randoms.is_empty() {
            0
        } else {
            self.randoms.remove(0)
        }
    }
    fn now(&mut self) -> (i64, u32) {
        self.now
    }
}

/// `read(name, args)` as text, panicking on `None` (tests only).
pub fn call(env: &mut TestEnv, name: &str, args: &str) -> Result<String, String> {
    super::read(name, args.as_bytes(), env)
        .unwrap_or_else(|| panic!("{name} is not a pure function"))
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .map_err(|complaint| complaint.message)
}

/// `read` with no variables.
pub fn eval(name: &str, args: &str) -> Result<String, String> {
    call(&mut TestEnv::default(), name, args)
}
