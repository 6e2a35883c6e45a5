//! `$[...]` during a call: the expression engine of `pbxc-expr`, with dialplan functions
//! reached through the call's [`Scope`].

use crate::subst::{Level, Scope};

struct ViaScope<'s> {
    scope: &'s mut dyn Scope,
}

impl pbxc_expr::eval::Functions for ViaScope<'_> {
    fn call(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
        self.scope.function(name, args)
    }
}

/// The printed result of `$[body]`, `body` already substituted; what Asterisk logs while
/// evaluating it (syntax errors, division by zero, non-numeric arguments: `ast_log`'s
/// `LOG_WARNING` in ast_expr2.y) goes to the call's log.
pub(crate) fn evaluate(body: &[u8], scope: &mut dyn Scope) -> Vec<u8> {
    let evaluation = pbxc_expr::eval::evaluate(body, &mut ViaScope { scope });
    for warning in &evaluation.warnings {
        scope.log(Level::Warning, warning);
    }
    evaluation.value
}
