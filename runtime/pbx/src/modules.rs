//! Modules (invariant 7): drivers, application packs and the rest, each registered with
//! load / unload / reload hooks, listed by `module show`, and refusing to unload while
//! channels use them. A channel driver is a module that provides a [`Driver`]; SIP and the
//! sound card register theirs with [`Pbx::register_module`].

use std::sync::Arc;

use pbx_engine::vars::Variables;

use crate::channel::{Cause, Channel, lock};
use crate::pbx::Pbx;

/// A channel technology: makes the channels `Dial(Tech/resource)` calls.
pub trait Driver: Send + Sync {
    /// `Local`, `Test`, `PJSIP`, … (matched without regard to case).
    fn tech(&self) -> &'static str;
    /// A new outgoing channel for `requester` (its events must wake the requester's signal),
    /// carrying `vars` (what a child channel inherits).
    fn request(
        &self,
        pbx: &Arc<Pbx>,
        resource: &str,
        requester: &Channel,
        vars: &Variables,
    ) -> Result<Arc<Channel>, Cause>;
}

/// A module's hooks.
pub trait Module: Send + Sync {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn load(&self, _pbx: &Pbx) -> Result<(), String> {
        Ok(())
    }
    /// Asked only when nothing uses the module.
    fn unload(&self, _pbx: &Pbx) -> Result<(), String> {
        Ok(())
    }
    fn reload(&self, _pbx: &Pbx) -> Result<(), String> {
        Ok(())
    }
    /// The channel driver it provides, if it is one.
    fn driver(&self) -> Option<&dyn Driver> {
        None
    }
    /// The PBX cannot run without it (it refuses to unload).
    fn essential(&self) -> bool {
        false
    }
}

/// A registered module and whether it is loaded now.
pub(crate) struct Loaded {
    module: Arc<dyn Module>,
    running: bool,
}

/// A module as `module show` lists it.
pub struct ModuleInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// Channels of its driver in use now.
    pub use_count: usize,
    pub running: bool,
}

impl Pbx {
    /// Registers and loads `module` (a driver's `load` hook typically starts its listener).
    pub fn register_module(&self, module: Arc<dyn Module>) -> Result<(), String> {
        if lock(&self.modules)
            .iter()
            .any(|m| m.module.name() == module.name())
        {
            return Err(format!("Module '{}' is already registered", module.name()));
        }
        module.load(self)?;
        lock(&self.modules).push(Loaded {
            module,
            running: true,
        });
        Ok(())
    }

    /// The modules and how many channels use each.
    pub fn modules(&self) -> Vec<ModuleInfo> {
        let channels = self.channels();
        lock(&self.modules)
            .iter()
            .map(|m| ModuleInfo {
                name: m.module.name(),
                description: m.module.description(),
                use_count: m.module.driver().map_or(0, |d| {
                    channels.iter().filter(|c| uses(&c.name, d.tech())).count()
                }),
                running: m.running,
            })
            .collect()
    }

    /// Whether a module named `base` (any case, as `ast_module_check` compares) is loaded:
    /// what `IFMODULE` asks.
    pub fn module_loaded(&self, base: &str) -> bool {
        lock(&self.modules)
            .iter()
            .any(|m| m.running && m.module.name().eq_ignore_ascii_case(base))
    }

    /// Whether module `name` is loaded.
    pub fn module_running(&self, name: &str) -> bool {
        lock(&self.modules)
            .iter()
            .any(|m| m.module.name() == name && m.running)
    }

    /// The loaded driver of technology `tech`.
    pub fn driver(&self, tech: &str) -> Option<Arc<dyn Module>> {
        lock(&self.modules)
            .iter()
            .find(|m| {
                m.running
                    && m.module
                        .driver()
                        .is_some_and(|d| d.tech().eq_ignore_ascii_case(tech))
            })
            .map(|m| m.module.clone())
    }

    /// `module load|unload|reload NAME`; unloading a module in use is refused.
    pub fn module_action(&self, action: &str, name: &str) -> Result<String, String> {
        let name = name.trim_end_matches(".so");
        let info = self
            .modules()
            .into_iter()
            .find(|m| m.name == name)
            .ok_or_else(|| format!("No such module '{name}'"))?;
        let module = lock(&self.modules)
            .iter()
            .find(|m| m.module.name() == name)
            .map(|m| m.module.clone())
            .ok_or_else(|| format!("No such module '{name}'"))?;
        let set_running = |running: bool| {
            if let Some(m) = lock(&self.modules)
                .iter_mut()
                .find(|m| m.module.name() == name)
            {
                m.running = running;
            }
        };
        match action {
            "unload" if !info.running => Err(format!("Module '{name}' is not loaded")),
            "unload" if info.use_count > 0 => Err(format!(
                "Unable to unload '{name}': in use by {} channel(s)",
                info.use_count
            )),
            "unload" if module.essential() => {
                Err(format!("Unable to unload '{name}': the PBX needs it"))
            }
            "unload" => {
                module.unload(self)?;
                set_running(false);
                Ok(format!("Unloaded {name}"))
            }
            "load" if info.running => Err(format!("Module '{name}' is already loaded")),
            // cdr_csv.c's load_config fails again: no `[csv]` settings.
            "load" if name == "cdr_csv" && !self.writes_csv() => Err(format!(
                "Module '{name}' declined to load: cdr.conf has no [csv] settings"
            )),
            "load" => {
                module.load(self)?;
                set_running(true);
                Ok(format!("Loaded {name}"))
            }
            _ if !info.running => Err(format!("Module '{name}' is not loaded")),
            _ => {
                module.reload(self)?;
                Ok(format!("Module '{name}' reloaded successfully."))
            }
        }
    }
}

/// Whether a channel name belongs to technology `tech` (`Local/…`).
fn uses(channel: &str, tech: &str) -> bool {
    channel
        .split_once('/')
        .is_some_and(|(t, _)| t.eq_ignore_ascii_case(tech))
}

// --- the built-in modules ------------------------------------------------------------

struct Simple {
    name: &'static str,
    description: &'static str,
    essential: bool,
}

impl Module for Simple {
    fn name(&self) -> &'static str {
        self.name
    }
    fn description(&self) -> &'static str {
        self.description
    }
    fn essential(&self) -> bool {
        self.essential
    }
}

/// pbx_config: the dialplan; reloading it is `dialplan reload`.
struct PbxConfig;

impl Module for PbxConfig {
    fn name(&self) -> &'static str {
        "pbx_config"
    }
    fn description(&self) -> &'static str {
        "Text Extension Configuration"
    }
    fn essential(&self) -> bool {
        true
    }
    fn reload(&self, pbx: &Pbx) -> Result<(), String> {
        pbx.reload()
    }
}

struct ChanLocal;

impl Module for ChanLocal {
    fn name(&self) -> &'static str {
        "chan_local"
    }
    fn description(&self) -> &'static str {
        "Local Proxy Channel (Local/exten@context)"
    }
    fn driver(&self) -> Option<&dyn Driver> {
        Some(self)
    }
}

impl Driver for ChanLocal {
    fn tech(&self) -> &'static str {
        "Local"
    }
    fn request(
        &self,
        pbx: &Arc<Pbx>,
        resource: &str,
        requester: &Channel,
        vars: &Variables,
    ) -> Result<Arc<Channel>, Cause> {
        Ok(crate::local::request(
            pbx,
            resource,
            requester.caller_number.clone(),
            requester.caller_name.clone(),
            Some(requester.signal.clone()),
            vars.inherit(),
            // (The linked ID first: it takes the attributes' lock too.)
            {
                let linked_id = requester.linked_id();
                let attributes = crate::channel::lock(&requester.attributes);
                (
                    pbx_engine::Attributes::for_dialled(&attributes, linked_id.as_bytes()),
                    pbx_engine::Attributes::for_local_child(&attributes, linked_id.as_bytes()),
                )
            },
        ))
    }
}

struct ChanTest;

impl Module for ChanTest {
    fn name(&self) -> &'static str {
        "chan_test"
    }
    fn description(&self) -> &'static str {
        "Scripted test channel (Test/name)"
    }
    fn driver(&self) -> Option<&dyn Driver> {
        Some(self)
    }
}

impl Driver for ChanTest {
    fn tech(&self) -> &'static str {
        "Test"
    }
    fn request(
        &self,
        _pbx: &Arc<Pbx>,
        resource: &str,
        requester: &Channel,
        _vars: &Variables,
    ) -> Result<Arc<Channel>, Cause> {
        crate::scripted::request(resource, Some(requester.signal.clone()))
    }
}

/// The modules built in; `cdr_csv` is loaded when cdr.conf lets it (`csv`).
pub(crate) fn built_in(csv: bool) -> Vec<Loaded> {
    let simple = |name, description| -> Arc<dyn Module> {
        Arc::new(Simple {
            name,
            description,
            essential: false,
        })
    };
    let modules: Vec<Arc<dyn Module>> = vec![
        Arc::new(PbxConfig),
        Arc::new(ChanLocal),
        Arc::new(ChanTest),
        simple("cdr_csv", "Comma Separated Values CDR Backend"),
        simple(
            "app_media",
            "Playback, Background, Read, Say*, Echo, Record, MusicOnHold",
        ),
        simple("app_dial", "Dialing Application"),
    ];
    modules
        .into_iter()
        .map(|module| Loaded {
            running: csv || module.name() != "cdr_csv",
            module,
        })
        .collect()
}
