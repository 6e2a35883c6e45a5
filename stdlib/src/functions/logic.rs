//! funcs/func_logic.c (ISNULL, EXISTS, IF, SET, DELETE, VARIABLE_EXISTS) and
//! funcs/func_global.c (GLOBAL, GLOBAL_EXISTS, GLOBAL_DELETE).

use super::args::{self, check_condition, strip};
use super::{Complaint, Env, Outcome};

fn flag(b: bool) -> Outcome {
    Ok(if b { b"1".to_vec() } else { b"0".to_vec() })
}

/// `ISNULL(data)`: `1` for empty text.
pub fn isnull(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    flag(data.is_empty())
}

/// `EXISTS(data)`: `1` for non-empty text.
pub fn exists(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    flag(!data.is_empty())
}

/// `IF(expr?[true][:false])`: split on `?` then `:` (AST_NONSTANDARD_APP_ARGS, two slots
/// each, so the false branch is the raw rest), each part `ast_strip`ped, the condition tested
/// by `pbx_checkcondition`. An empty condition or no branch at all fails silently (debug only).
pub fn if_(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let first = args::separate(data, b'?', true, 2);
    let expr = args::get(&first, 0);
    let branches = match args::get(&first, 1) {
        Some(rest) => args::separate(rest, b':', true, 2),
        None => Vec::new(),
    };
    let (iftrue, iffalse) = (args::get(&branches, 0), args::get(&branches, 1));
    if args::is_empty(expr) || (iftrue.is_none() && iffalse.is_none()) {
        return Err(Complaint::silent());
    }
    let chosen = if check_condition(expr.map(strip)) {
        iftrue
    } else {
        iffalse
    };
    Ok(chosen.map(strip).unwrap_or_default().to_vec())
}

/// `SET(name=value)`: both sides stripped, the variable set, the value returned.
pub fn set(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let Some(eq) = data.iter().position(|&b| b == b'=') else {
        return Err(Complaint::warning("Syntax SET(<varname>=[<value>])"));
    };
    if eq == 0 {
        return Err(Complaint::warning("Syntax SET(<varname>=[<value>])"));
    }
    let name = strip(&data[..eq]);
    let value = strip(&data[eq + 1..]);
    env.set_var(name, Some(value));
    Ok(value.to_vec())
}

/// `DELETE(var)` (write-only): removes the channel variable.
pub fn delete(_: &str, data: &[u8], _: &[u8], env: &mut dyn Env) -> Result<(), Complaint> {
    env.set_var(data, None);
    Ok(())
}

/// `VARIABLE_EXISTS(var)`: whether the variable is set, even to the empty string.
pub fn variable_exists(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    flag(env.var(data).is_some())
}

/// `GLOBAL(var)`: the global's value (empty when unset, never a failure).
pub fn global(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    Ok(env.global(data).unwrap_or_default())
}

/// `Set(GLOBAL(var)=value)`.
pub fn global_write(
    _: &str,
    data: &[u8],
    value: &[u8],
    env: &mut dyn Env,
) -> Result<(), Complaint> {
    env.set_global(data, Some(value));
    Ok(())
}

/// `GLOBAL_EXISTS(var)`.
pub fn global_exists(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    flag(env.global(data).is_some())
}

/// `Set(GLOBAL_DELETE(var)=)`.
pub fn global_delete(_: &str, data: &[u8], _: &[u8], env: &mut dyn Env) -> Result<(), Complaint> {
    env.set_global(data, None);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testenv::{TestEnv, call, eval};
    use super::super::{Env, write};

    #[test]
    fn if_splits_like_asterisk() {
        assert_eq!(eval("IF", "1?a:b"), Ok("a".into()));
        assert_eq!(eval("IF", "0?a:b:c"), Ok("b:c".into()));
        assert_eq!(eval("IF", r#"0?x:"a,b""#), Ok(r#""a,b""#.into()));
        assert_eq!(eval("IF", r#"1?"a,b":x"#), Ok("a,b".into()));
        assert_eq!(eval("IF", " 1 ? a : b "), Ok("a".into()));
        // Nothing after `?`: the second split has no slots at all, so IF fails.
        assert!(eval("IF", "1?").is_err());
        assert!(eval("IF", "1").is_err());
        assert!(eval("IF", "?a:b").is_err());
        assert!(eval("IF", "").is_err());
        assert_eq!(eval("IF", "0?yes"), Ok("".into()));
        assert_eq!(eval("IF", "x?:no"), Ok("".into()));
    }

    #[test]
    fn null_and_exists() {
        assert_eq!(eval("ISNULL", ""), Ok("1".into()));
        assert_eq!(eval("ISNULL", " "), Ok("0".into()));
        assert_eq!(eval("EXISTS", ""), Ok("0".into()));
    }

    #[test]
    fn set_strips_and_returns() {
        let mut env = TestEnv::default();
        assert_eq!(call(&mut env, "SET", " a = b=c "), Ok("b=c".into()));
        assert_eq!(env.get("a").as_deref(), Some("b=c"));
        assert_eq!(call(&mut env, "SET", "e="), Ok("".into()));
        assert_eq!(env.get("e").as_deref(), Some(""));
        assert!(call(&mut env, "SET", "=x").is_err());
        assert!(call(&mut env, "SET", "x").is_err());
    }

    #[test]
    fn variable_existence_and_deletion() {
        let mut env = TestEnv::with(&[("E", ""), ("_I", "1")]);
        assert_eq!(call(&mut env, "VARIABLE_EXISTS", "E"), Ok("1".into()));
        assert_eq!(call(&mut env, "VARIABLE_EXISTS", "I"), Ok("1".into()));
        assert_eq!(call(&mut env, "VARIABLE_EXISTS", "_I"), Ok("0".into()));
        assert_eq!(write("DELETE", b"E", b"", &mut env), Some(Ok(())));
        assert_eq!(call(&mut env, "VARIABLE_EXISTS", "E"), Ok("0".into()));
    }

    #[test]
    fn globals() {
        let mut env = TestEnv::default();
        assert_eq!(call(&mut env, "GLOBAL", "g"), Ok("".into()));
        assert_eq!(call(&mut env, "GLOBAL_EXISTS", "g"), Ok("0".into()));
        write("GLOBAL", b"g", b"v", &mut env);
        assert_eq!(call(&mut env, "GLOBAL", "g"), Ok("v".into()));
        assert_eq!(env.var(b"g"), Some(b"v".to_vec()));
        write("GLOBAL_DELETE", b"g", b"", &mut env);
        assert_eq!(call(&mut env, "GLOBAL_EXISTS", "g"), Ok("0".into()));
    }
}
