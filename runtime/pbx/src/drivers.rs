//! `Dial(Tech/resource)` and `channel originate` find the driver of a technology among the
//! loaded modules ([`crate::modules`]).

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
        match self.driver(tech) {
            Some(module) => match module.driver() {
                Some(driver) => driver.request(self, resource, requester, vars),
                None => Err(Cause::CHANNEL_UNACCEPTABLE),
            },
            None => {
                tracing::warn!("No such channel type '{tech}'");
                Err(Cause::CHANNEL_UNACCEPTABLE)
            }
        }
    }
}
