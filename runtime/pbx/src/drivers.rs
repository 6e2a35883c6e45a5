//! Channel drivers by technology name, as `Dial(Tech/resource)` and `channel originate`
//! find them. Local and the scripted test channel are built in; SIP and the sound card
//! register here as modules.

use std::sync::Arc;

use pbx_engine::vars::Variables;

use crate::channel::{Cause, Channel};
use crate::pbx::Pbx;

impl Pbx {
    /// A new outgoing channel `tech/resource` for `requester` (its keys and progress wake the
    /// requester's thread).
    pub fn request(
        self: &Arc<Self>,
        tech: &str,
        resource: &str,
        requester: &Channel,
        vars: &Variables,
    ) -> Result<Arc<Channel>, Cause> {
        let signal = Some(requester.signal.clone());
        if tech.eq_ignore_ascii_case("Local") && self.module_running("chan_local") {
            Ok(crate::local::request(
                self,
                resource,
                requester.caller_number.clone(),
                requester.caller_name.clone(),
                signal,
                vars.inherit(),
            ))
        } else if tech.eq_ignore_ascii_case("Test") && self.module_running("chan_test") {
            crate::scripted::request(resource, signal)
        } else {
            tracing::warn!("No such channel type '{tech}'");
            Err(Cause::CHANNEL_UNACCEPTABLE)
        }
    }
}
