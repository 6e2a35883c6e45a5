//! The Cranelift side: building chain functions and calling them.
//!
//! This module is the JIT boundary: the only `unsafe` of the project is here, each block
//! with why it is sound.
#![allow(unsafe_code)]

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, Block, FuncRef, InstBuilder, MemFlagsData, SigRef, Signature, Value, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Switch};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use crate::{
    ENTRY_BASE, ENTRY_STARTS, Host, IntExpr, LOCAL_BASE, Op, Operand, SMALL, SMALL_FACTOR, Step,
};

/// A chain is `(host, start, base, table) -> exit code` in Cranelift's `tail` calling
/// convention, so that a chain can jump into another by a tail call, and into itself at
/// another priority (a loop that never grows the stack); `base` is the id of its first
/// priority, which the code of its shape adds to each priority's relative id, and `table`
/// the [`Table`] of the [`Jit`] running it (code is shared by every Jit of a [`Compiler`]).
/// Rust calls them only through the trampoline, in the platform's convention: `(host,
/// chain's code, start, base, table) -> exit code`.
type EnterFn = unsafe extern "C" fn(*mut u8, *const u8, u32, u32, *const u8) -> u32;

/// Chains an entry code can name: what its bits above the start leave.
const ENTRY_CHAINS: u32 = (u32::MAX - ENTRY_BASE + 1) / ENTRY_STARTS;

/// A compiled chain. Its code lives in the [`Compiler`] of the [`Jit`] that compiled it, which
/// runs it only while alive and only if it is its own (`owner`).
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    /// The address of its code (not callable from Rust: see [`EnterFn`]), shared with the
    /// other chains of its shape.
    code: usize,
    /// The id its priorities are numbered from.
    base: u32,
    len: u32,
    /// Its index in [`Jit::table`].
    index: u32,
    owner: u64,
}

impl Chain {
    /// The id the host gave its first priority; the code of its shape names the others
    /// relative to it.
    pub fn base(&self) -> u32 {
        self.base
    }
}

/// Where the generated code finds the chains it may enter, at a fixed address: the address
/// and length of [`Jit::chains`]' buffer, which moves as chains are added.
#[repr(C)]
struct Table {
    base: usize,
    len: usize,
}

/// A chain as the generated code enters it: its shape's code and its own first id.
#[repr(C)]
struct Slot {
    code: usize,
    base: u32,
}

/// Numbers each [`Jit`], so that a chain is never run with another's code memory.
static JITS: AtomicU64 = AtomicU64::new(0);

/// The runtime's entry points, as the generated code imports them.
struct Imports {
    step: FuncId,
    operand: FuncId,
    set: FuncId,
    branch: FuncId,
    pass: FuncId,
}

/// The functions compiled for chain shapes, shared by every [`Jit`] made with it
/// ([`Jit::with`]), on any thread: the shape one call's engine compiled serves the next
/// call's. Its executable memory is freed when the last clone of it and the last of those
/// Jits are gone (Cranelift's module alone would leak it: a page or more for every function).
///
/// One thread may compile while others run code: the module writes each new function into
/// pages of its own and makes only those executable (cranelift-jit's `Memory` starts fresh
/// pages after every finalization), so code already handed out is never written again; and a
/// function's address is published, in the map of shapes, under the lock it was made under.
#[derive(Clone)]
pub struct Compiler(Arc<Store>);

struct Store {
    /// The code of each shape compiled: a chain's steps with ids relative to its first. Read
    /// without waiting for a compile in progress.
    shapes: RwLock<HashMap<Vec<Step>, usize>>,
    /// Locked while a shape is compiled; `None` until the first compile of a
    /// [`Compiler::lazy`] one.
    inner: Mutex<Option<Inner>>,
    /// The trampoline into a chain, made with the module and never changed.
    enter: OnceLock<EnterFn>,
}

struct Inner {
    /// Taken only by `Store`'s `drop`.
    module: ManuallyDrop<JITModule>,
    imports: Imports,
    context: cranelift_codegen::Context,
    builder: FunctionBuilderContext,
    /// Functions declared so far, for their names: a compile that failed after declaring
    /// one leaves its name taken.
    declared: u64,
}

/// One engine's chains: the code of their shapes (its [`Compiler`]'s) and, per chain, where
/// its priorities' ids start.
pub struct Jit {
    compiler: Compiler,
    id: u64,
    /// Each chain, by [`Chain::index`].
    chains: Vec<Slot>,
    /// The shape being looked up, kept for the next.
    shape: Vec<Step>,
    /// Boxed: the generated code reads it at this address.
    table: Box<Table>,
}

/// The host behind the pointer the generated code passes back.
///
/// # Safety
/// `host` must be the `&mut &mut dyn Host` that [`Jit::run`] cast to a pointer, during that
/// call of `run`.
unsafe fn host<'a>(host: *mut u8) -> &'a mut dyn Host {
    // SAFETY: per this function's contract, `host` points at the `&mut dyn Host` that
    // `Jit::run` keeps alive on its stack for the whole run; the generated code never stores
    // it, and no other reference to the host exists meanwhile because `run` holds the
    // unique borrow. Each entry point below uses the reference only until it returns.
    unsafe { &mut **host.cast::<&mut dyn Host>() }
}

// The generated code's ways back into Rust. Each is only ever called by chain code, with
// the pointer `Jit::run` passed it, which is `host`'s contract.
extern "C" fn host_step(ptr: *mut u8, id: u32) -> u32 {
    // SAFETY: called by chain code only, with `Jit::run`'s pointer (see `host`).
    unsafe { host(ptr) }.step(id)
}

extern "C" fn host_operand(ptr: *mut u8, id: u32, k: u32) -> i64 {
    // SAFETY: as in `host_step`.
    unsafe { host(ptr) }.operand(id, k)
}

extern "C" fn host_set(ptr: *mut u8, id: u32, value: i64) -> u32 {
    // SAFETY: as in `host_step`.
    unsafe { host(ptr) }.set(id, value)
}

extern "C" fn host_pass(ptr: *mut u8, id: u32) -> u32 {
    // SAFETY: as in `host_step`.
    unsafe { host(ptr) }.pass(id)
}

extern "C" fn host_branch(ptr: *mut u8, id: u32, value: i64) -> u32 {
    // SAFETY: as in `host_step`.
    unsafe { host(ptr) }.branch(id, value)
}

/// The imports as seen from inside the function being built.
#[derive(Clone, Copy)]
struct Refs {
    step: FuncRef,
    operand: FuncRef,
    set: FuncRef,
    branch: FuncRef,
    pass: FuncRef,
}

impl Compiler {
    /// A compiler with its code generator made now: fails when this machine has none.
    pub fn new() -> Result<Compiler, String> {
        let compiler = Compiler::lazy();
        compiler.ready(&mut compiler.inner())?;
        Ok(compiler)
    }

    /// A compiler whose code generator is made when it first compiles (a PBX makes one for
    /// each dialplan it loads, and most never compile anything). Where this machine has no
    /// code generator, every compile fails.
    pub fn lazy() -> Compiler {
        Compiler(Arc::new(Store {
            shapes: RwLock::new(HashMap::default()),
            inner: Mutex::new(None),
            enter: OnceLock::new(),
        }))
    }

    /// The code generator, made now if it was not.
    fn ready<'a>(&self, inner: &'a mut Option<Inner>) -> Result<&'a mut Inner, String> {
        if inner.is_none() {
            let (made, enter) = Inner::new()?;
            // Set once: the module is made once, under the lock.
            let _ = self.0.enter.set(enter);
            *inner = Some(made);
        }
        inner
            .as_mut()
            .ok_or_else(|| "no code generator".to_string())
    }
}

impl Inner {
    fn new() -> Result<(Inner, EnterFn), String> {
        let mut builder = JITBuilder::with_flags(
            &[
                // Chains are called through plain function pointers from Rust.
                ("use_colocated_libcalls", "false"),
                ("is_pic", "false"),
                ("opt_level", "speed"),
                // Cranelift's tail calls need them (see `EnterFn`).
                ("preserve_frame_pointers", "true"),
                // The IR verifier checks this crate's code generation; the tests (debug
                // builds) run it, release builds skip its cost (a third of compiling).
                (
                    "enable_verifier",
                    if cfg!(debug_assertions) {
                        "true"
                    } else {
                        "false"
                    },
                ),
            ],
            cranelift_module::default_libcall_names(),
        )
        .map_err(|e| e.to_string())?;
        builder.symbol("pbxc_host_step", host_step as *const u8);
        builder.symbol("pbxc_host_operand", host_operand as *const u8);
        builder.symbol("pbxc_host_set", host_set as *const u8);
        builder.symbol("pbxc_host_branch", host_branch as *const u8);
        builder.symbol("pbxc_host_pass", host_pass as *const u8);
        let mut module = JITModule::new(builder);
        let ptr = module.target_config().pointer_type();
        let signature = |module: &JITModule, params: &[types::Type], ret: types::Type| {
            let mut sig = module.make_signature();
            sig.params.push(AbiParam::new(ptr));
            sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
            sig.returns.push(AbiParam::new(ret));
            sig
        };
        let step_sig = signature(&module, &[types::I32], types::I32);
        let operand_sig = signature(&module, &[types::I32, types::I32], types::I64);
        let set_sig = signature(&module, &[types::I32, types::I64], types::I32);
        let branch_sig = signature(&module, &[types::I32, types::I64], types::I32);
        let mut import = |name: &str, sig: Signature| {
            module
                .declare_function(name, Linkage::Import, &sig)
                .map_err(|e| e.to_string())
        };
        let imports = Imports {
            step: import("pbxc_host_step", step_sig.clone())?,
            operand: import("pbxc_host_operand", operand_sig)?,
            set: import("pbxc_host_set", set_sig)?,
            branch: import("pbxc_host_branch", branch_sig)?,
            pass: import("pbxc_host_pass", step_sig.clone())?,
        };
        let mut context = module.make_context();
        let mut builder = FunctionBuilderContext::new();
        let enter = trampoline(&mut module, &mut context, &mut builder)?;
        let inner = Inner {
            context,
            module: ManuallyDrop::new(module),
            imports,
            builder,
            declared: 0,
        };
        Ok((inner, enter))
    }
}

impl Compiler {
    /// How many functions it compiled for chains: one per shape.
    pub fn functions(&self) -> usize {
        self.shapes().len()
    }

    /// The code of `shape` (steps numbered from 0), compiled now if no chain had it before.
    fn code_of(&self, shape: &[Step]) -> Result<usize, String> {
        if let Some(&code) = self.shapes().get(shape) {
            return Ok(code);
        }
        let mut guard = self.inner();
        // Another thread may have compiled it while this one waited.
        if let Some(&code) = self.shapes().get(shape) {
            return Ok(code);
        }
        let code = self.ready(&mut guard)?.define(shape)?;
        self.0
            .shapes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(shape.to_vec(), code);
        Ok(code)
    }

    fn shapes(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Vec<Step>, usize>> {
        self.0.shapes.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// A compile that panicked left nothing half-made that matters (each compile starts from
    /// a cleared context and a new builder: [`Inner::define`]), so a poisoned lock is taken
    /// as it is.
    fn inner(&self) -> std::sync::MutexGuard<'_, Option<Inner>> {
        self.0.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Jit {
    /// A Jit with a compiler of its own.
    pub fn new() -> Result<Jit, String> {
        Ok(Jit::with(Compiler::new()?))
    }

    /// A Jit whose chains take the code of their shapes from `compiler`, compiling there
    /// only what no Jit of it compiled before.
    pub fn with(compiler: Compiler) -> Jit {
        Jit {
            compiler,
            id: JITS.fetch_add(1, Ordering::Relaxed),
            chains: Vec::new(),
            shape: Vec::new(),
            table: Box::new(Table { base: 0, len: 0 }),
        }
    }

    /// The code that makes the host continue at priority index `start` of `chain`, a chain
    /// of this Jit, when a step of any of its chains answers it; `None` when the code
    /// cannot name it (past [`ENTRY_STARTS`], or another Jit's chain).
    pub fn entry(&self, chain: Chain, start: u32) -> Option<u32> {
        let fits = chain.owner == self.id
            && start < chain.len
            && start < ENTRY_STARTS
            && chain.index < ENTRY_CHAINS;
        fits.then(|| ENTRY_BASE + chain.index * ENTRY_STARTS + start)
    }

    /// How many functions its compiler compiled, for its chains and those of the other
    /// Jits it serves: one per shape.
    pub fn functions(&self) -> usize {
        self.compiler.functions()
    }

    /// Compiles a chain whose priority index `k` is `steps[k]`, or reuses the code of a
    /// chain of the same shape (the same steps, ids apart, relative to the first).
    pub fn compile(&mut self, steps: &[Step]) -> Result<Chain, String> {
        let len = u32::try_from(steps.len()).map_err(|_| "chain too long".to_string())?;
        if len >= LOCAL_BASE {
            return Err("chain too long".into());
        }
        for step in steps {
            if taken(*step).is_some_and(|t| t >= len) {
                return Err(format!("{step:?} lands outside the chain"));
            }
            let expr = match *step {
                Step::Call(_) | Step::Pass { .. } => continue,
                Step::Set { expr, .. } | Step::Branch { expr, .. } => expr,
            };
            let literal_too_large =
                |o| matches!(o, Operand::Const(n) if !(-SMALL + 1..SMALL).contains(&n));
            if literal_too_large(expr.left) || literal_too_large(expr.right) {
                return Err(format!(
                    "{step:?} has a literal the fast path does not take"
                ));
            }
        }
        let index = u32::try_from(self.chains.len()).map_err(|_| "too many chains".to_string())?;
        let base = steps.first().map_or(0, |s| s.id());
        let mut shape = std::mem::take(&mut self.shape);
        shape.clear();
        shape.extend(steps.iter().map(|s| s.with_id(s.id().wrapping_sub(base))));
        let code = self.compiler.code_of(&shape);
        self.shape = shape;
        let code = code?;
        self.chains.push(Slot { code, base });
        // No chain runs while this one compiles (`run` borrows `self`, this borrows it
        // mutably), so none reads the table while it changes.
        *self.table = Table {
            base: self.chains.as_ptr() as usize,
            len: self.chains.len(),
        };
        Ok(Chain {
            code,
            base,
            len,
            index,
            owner: self.id,
        })
    }

    /// Runs `chain` from priority index `start` until it leaves, through whatever other
    /// chains of this Jit it enters; returns the exit code. A chain of another `Jit`, or a
    /// start past its end, runs nothing and returns 0.
    pub fn run(&self, chain: Chain, host: &mut dyn Host, start: u32) -> u32 {
        // Another Jit's chain may point into memory already freed.
        if chain.owner != self.id || start >= chain.len {
            return 0;
        }
        // The trampoline is made with the module, before any chain: a chain of this Jit
        // implies it.
        let Some(enter) = self.compiler.0.enter.get() else {
            return 0;
        };
        let mut host: &mut dyn Host = host;
        let pointer = (&mut host as *mut &mut dyn Host).cast::<u8>();
        let table = std::ptr::from_ref::<Table>(&*self.table).cast::<u8>();
        // SAFETY: `chain` is one of this Jit's chains (checked above: another's code may be
        // freed), so `chain.code` is finalized code with the chain signature, mapped while
        // its compiler's store lives, which `self` keeps alive for the whole run (this
        // borrow); `start` is within it. `pointer` is what the host entry points expect (see
        // `host`): it points at `host`, which outlives the call. `chain.base` is the base its
        // shape's code was made to run with: any u32 is a valid argument. `table` is this
        // Jit's, boxed, alive as long as `self`, and only read by the code.
        unsafe { enter(pointer, chain.code as *const u8, start, chain.base, table) }
    }
}

impl Inner {
    /// Compiles the function of a shape (steps numbered from 0); its code's address.
    fn define(&mut self, steps: &[Step]) -> Result<usize, String> {
        // A compile that panicked (a PBX's call survives that) may have left its function
        // and its builder's state behind, which release builds would not notice: start clean.
        self.module.clear_context(&mut self.context);
        self.builder = FunctionBuilderContext::new();
        let ptr = self.module.target_config().pointer_type();
        let sig = chain_signature(&self.module);
        self.declared += 1;
        let name = format!("chain{}", self.declared);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        self.context.func.signature = sig.clone();
        let config = self.module.target_config();
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let exits = Exits {
                itself: self.module.declare_func_in_func(id, b.func),
                chain: b.import_signature(sig),
                pointer: ptr,
            };
            let refs = Refs {
                step: self.module.declare_func_in_func(self.imports.step, b.func),
                operand: self
                    .module
                    .declare_func_in_func(self.imports.operand, b.func),
                set: self.module.declare_func_in_func(self.imports.set, b.func),
                branch: self
                    .module
                    .declare_func_in_func(self.imports.branch, b.func),
                pass: self.module.declare_func_in_func(self.imports.pass, b.func),
            };
            build(&mut b, refs, &exits, steps);
            b.finalize(config);
        }
        let defined = self.module.define_function(id, &mut self.context);
        // Cleared on failure too: the next chain must not start from this half-built one.
        self.module.clear_context(&mut self.context);
        defined.map_err(|e| e.to_string())?;
        self.module
            .finalize_definitions()
            .map_err(|e| e.to_string())?;
        Ok(self.module.get_finalized_function(id) as usize)
    }
}

/// The signature of every chain (see [`EnterFn`]).
fn chain_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.call_conv = CallConv::Tail;
    sig.params
        .push(AbiParam::new(module.target_config().pointer_type()));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(types::I32));
    sig.params
        .push(AbiParam::new(module.target_config().pointer_type()));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// Compiles the one function Rust calls chains through (see [`EnterFn`]).
fn trampoline(
    module: &mut JITModule,
    context: &mut cranelift_codegen::Context,
    builder: &mut FunctionBuilderContext,
) -> Result<EnterFn, String> {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    let id = module
        .declare_function("enter", Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    context.func.signature = sig;
    {
        let mut b = FunctionBuilder::new(&mut context.func, builder);
        let chain = b.import_signature(chain_signature(module));
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let [host, code, start, base, table] = b.block_params(entry) else {
            unreachable!("the signature has five parameters")
        };
        let (host, code, start, base, table) = (*host, *code, *start, *base, *table);
        let call = b
            .ins()
            .call_indirect(chain, code, &[host, start, base, table]);
        let result = b.inst_results(call)[0];
        b.ins().return_(&[result]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    let defined = module.define_function(id, context);
    module.clear_context(context);
    defined.map_err(|e| e.to_string())?;
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let address = module.get_finalized_function(id);
    // SAFETY: `address` is the finalized code of the function just defined with the
    // signature `(pointer, pointer, i32, i32, pointer) -> i32` in the platform's default
    // calling convention, which is what `EnterFn` is on the host. Its memory stays mapped as
    // long as `module` lives, which is as long as the `Store` that keeps this pointer; it is
    // called only by `Jit::run` of a Jit holding that store, with the code of one of that
    // Jit's own chains, which has the signature the trampoline calls it with.
    Ok(unsafe { std::mem::transmute::<*const u8, EnterFn>(address) })
}

impl Drop for Store {
    fn drop(&mut self) {
        let Some(inner) = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner) else {
            return;
        };
        // SAFETY: `drop` runs once, and nothing uses `inner.module` after it.
        let module = unsafe { ManuallyDrop::take(&mut inner.module) };
        // SAFETY: the memory freed holds the trampoline and the functions of this store's
        // shapes. Code is run only through `Jit::run`, and every Jit holds a clone of the
        // `Arc` this store is in: the store is dropped only once no Jit exists, so no chain
        // is running and none can run again.
        unsafe { module.free_memory() };
    }
}

/// How a chain's code reaches other code of its Jit.
struct Exits {
    /// The chain itself, entered again at another priority.
    itself: FuncRef,
    /// The signature of every chain.
    chain: SigRef,
    pointer: types::Type,
}

/// The body of a chain function: an entry that switches on the priority index to start
/// at, a block per priority, an exit. A priority goes on to the next one or to its known
/// target directly; any other move goes to the exit, which enters the chain again at a
/// priority of it, enters another chain, or returns the code (see [`exit_to`]). (A shared
/// dispatch block that every priority could jump back to made the register allocator see
/// one loop through all of them: most of the compile time of a long chain. The tail call to
/// itself is no loop within the function.)
fn build(b: &mut FunctionBuilder, refs: Refs, exits: &Exits, steps: &[Step]) {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    let exit = b.create_block();
    b.append_block_param(exit, types::I32);
    let leave = b.create_block();
    b.append_block_param(leave, types::I32);
    let blocks: Vec<Block> = steps.iter().map(|_| b.create_block()).collect();

    // Nothing enters past the end (`Jit::run` and `Jit::entry` check); the default answers
    // like a move there would.
    b.switch_to_block(entry);
    let host = b.block_params(entry)[0];
    let start = b.block_params(entry)[1];
    let base = b.block_params(entry)[2];
    let table = b.block_params(entry)[3];
    let out_of_range = b.create_block();
    let mut switch = Switch::new();
    for (k, block) in blocks.iter().enumerate() {
        switch.set_entry(k as u128, *block);
    }
    switch.emit(b, start, out_of_range);
    b.switch_to_block(out_of_range);
    let code = b.ins().iadd_imm_s(start, i64::from(LOCAL_BASE));
    b.ins().jump(leave, &[code.into()]);

    let places = Places {
        blocks: &blocks,
        exit,
    };
    for (k, &step) in steps.iter().enumerate() {
        b.switch_to_block(blocks[k]);
        // The shape's relative id, made the chain's own.
        let id = match step.id() {
            0 => base,
            // (An i32 immediate: ids wrap as u32s do.)
            relative => b.ins().iadd_imm_s(base, i64::from(relative as i32)),
        };
        // The runtime's answer, from the fast path or from the whole step.
        let code = match step {
            Step::Call(_) => call1(b, refs.step, &[host, id]),
            Step::Pass { .. } => call1(b, refs.pass, &[host, id]),
            Step::Set { expr, .. } => {
                let slow = b.create_block();
                let value = expression(b, refs, host, id, expr, slow);
                let code = call1(b, refs.set, &[host, id, value]);
                join_slow(b, refs, host, id, slow, code)
            }
            Step::Branch { expr, .. } => {
                let slow = b.create_block();
                let value = expression(b, refs, host, id, expr, slow);
                let code = call1(b, refs.branch, &[host, id, value]);
                join_slow(b, refs, host, id, slow, code)
            }
        };
        next(b, &places, k, taken(step), code);
    }

    b.switch_to_block(exit);
    let code = b.block_params(exit)[0];
    exit_to(
        b,
        exits,
        [host, base, table],
        code,
        steps.len() as u32,
        leave,
    );

    b.switch_to_block(leave);
    let code = b.block_params(leave)[0];
    b.ins().return_(&[code]);
    b.seal_all_blocks();
}

/// Where the host's `code` sends the call once it is not the next priority or a known
/// target: a priority of this chain (entered again by a tail call to itself), a chain of the
/// table (a tail call to it), or back to Rust with the code (`leave`).
fn exit_to(
    b: &mut FunctionBuilder,
    exits: &Exits,
    [host, base, table]: [Value; 3],
    code: Value,
    len: u32,
    leave: Block,
) {
    let ptr = exits.pointer;
    let local = b.ins().iadd_imm_s(code, -i64::from(LOCAL_BASE));
    let is_local = b
        .ins()
        .icmp_imm_u(IntCC::UnsignedLessThan, local, i64::from(len));
    let again = b.create_block();
    let not_local = b.create_block();
    b.ins().brif(is_local, again, &[], not_local, &[]);
    b.switch_to_block(again);
    b.ins()
        .return_call(exits.itself, &[host, local, base, table]);

    b.switch_to_block(not_local);
    let is_entry = b.ins().icmp_imm_u(
        IntCC::UnsignedGreaterThanOrEqual,
        code,
        i64::from(ENTRY_BASE),
    );
    let entry = b.create_block();
    b.ins().brif(is_entry, entry, &[], leave, &[code.into()]);
    b.switch_to_block(entry);
    let relative = b.ins().iadd_imm_s(code, -i64::from(ENTRY_BASE));
    let start = b.ins().band_imm_u(relative, i64::from(ENTRY_STARTS - 1));
    let index = b
        .ins()
        .ushr_imm_u(relative, i64::from(ENTRY_STARTS.trailing_zeros()));
    let index = b.ins().uextend(ptr, index);
    // The running Jit's table as of now: chains compiled after this one are in it too.
    // The table is always there and aligned.
    let flags = MemFlagsData::trusted();
    let len = b
        .ins()
        .load(ptr, flags, table, std::mem::offset_of!(Table, len) as i32);
    let known = b.ins().icmp(IntCC::UnsignedLessThan, index, len);
    let enter = b.create_block();
    b.ins().brif(known, enter, &[], leave, &[code.into()]);
    b.switch_to_block(enter);
    let slots = b
        .ins()
        .load(ptr, flags, table, std::mem::offset_of!(Table, base) as i32);
    let offset = b
        .ins()
        .imul_imm_u(index, std::mem::size_of::<Slot>() as i64);
    let slot = b.ins().iadd(slots, offset);
    let callee = b
        .ins()
        .load(ptr, flags, slot, std::mem::offset_of!(Slot, code) as i32);
    let callee_base = b.ins().load(
        types::I32,
        flags,
        slot,
        std::mem::offset_of!(Slot, base) as i32,
    );
    b.ins()
        .return_call_indirect(exits.chain, callee, &[host, start, callee_base, table]);
}

/// Where a step's jump is expected to land in its chain, if it jumps.
fn taken(step: Step) -> Option<u32> {
    match step {
        Step::Branch { taken, .. } | Step::Pass { taken, .. } => taken,
        Step::Call(_) | Step::Set { .. } => None,
    }
}

/// Where a priority's code can go.
struct Places<'a> {
    blocks: &'a [Block],
    exit: Block,
}

fn call1(b: &mut FunctionBuilder, f: FuncRef, args: &[Value]) -> Value {
    let call = b.ins().call(f, args);
    b.inst_results(call)[0]
}

/// Ends the fast path with its `code`, and makes `slow` (where failed guards went) run the
/// whole step instead: both meet in a block that takes the code.
fn join_slow(
    b: &mut FunctionBuilder,
    refs: Refs,
    host: Value,
    id: Value,
    slow: Block,
    code: Value,
) -> Value {
    let joined = b.create_block();
    b.append_block_param(joined, types::I32);
    b.ins().jump(joined, &[code.into()]);
    b.switch_to_block(slow);
    let code = call1(b, refs.step, &[host, id]);
    b.ins().jump(joined, &[code.into()]);
    b.switch_to_block(joined);
    b.block_params(joined)[0]
}

/// After a priority: on to the next one directly, to the known target of a taken branch
/// directly, or out with its code.
fn next(b: &mut FunctionBuilder, places: &Places, k: usize, taken: Option<u32>, code: Value) {
    if let Some(t) = taken {
        let is_taken = b
            .ins()
            .icmp_imm_s(IntCC::Equal, code, i64::from(LOCAL_BASE + t));
        let not_taken = b.create_block();
        b.ins()
            .brif(is_taken, places.blocks[t as usize], &[], not_taken, &[]);
        b.switch_to_block(not_taken);
    }
    let is_next = b
        .ins()
        .icmp_imm_s(IntCC::Equal, code, i64::from(LOCAL_BASE) + k as i64 + 1);
    let not_next = b.create_block();
    match places.blocks.get(k + 1) {
        Some(&following) => {
            b.ins().brif(is_next, following, &[], not_next, &[]);
        }
        None => {
            b.ins().jump(not_next, &[]);
        }
    }
    b.switch_to_block(not_next);
    b.ins().jump(places.exit, &[code.into()]);
}

/// `expr` as an i64, or a jump to `slow` when a guard fails (see [`Op::apply`], which this
/// mirrors).
fn expression(
    b: &mut FunctionBuilder,
    refs: Refs,
    host: Value,
    id: Value,
    expr: IntExpr,
    slow: Block,
) -> Value {
    let left = operand(b, refs, host, id, expr.left, slow);
    let right = operand(b, refs, host, id, expr.right, slow);
    let cmp = |b: &mut FunctionBuilder, cc: IntCC| {
        let c = b.ins().icmp(cc, left, right);
        b.ins().uextend(types::I64, c)
    };
    match expr.op {
        Op::Add => b.ins().iadd(left, right),
        Op::Sub => b.ins().isub(left, right),
        Op::Mul => {
            guard_below(b, left, SMALL_FACTOR, slow);
            guard_below(b, right, SMALL_FACTOR, slow);
            let product = b.ins().imul(left, right);
            // A zero with a negative factor is a negative zero.
            let either = b.ins().bor(left, right);
            guard_not_negative_zero(b, product, either, slow);
            product
        }
        Op::Div => {
            guard_zero(b, right, false, slow);
            let rem = b.ins().srem(left, right);
            guard_zero(b, rem, true, slow);
            let quotient = b.ins().sdiv(left, right);
            guard_not_negative_zero(b, quotient, right, slow);
            quotient
        }
        Op::Rem => {
            guard_zero(b, right, false, slow);
            let rem = b.ins().srem(left, right);
            guard_not_negative_zero(b, rem, left, slow);
            rem
        }
        Op::Lt => cmp(b, IntCC::SignedLessThan),
        Op::Le => cmp(b, IntCC::SignedLessThanOrEqual),
        Op::Gt => cmp(b, IntCC::SignedGreaterThan),
        Op::Ge => cmp(b, IntCC::SignedGreaterThanOrEqual),
        Op::Eq => cmp(b, IntCC::Equal),
        Op::Ne => cmp(b, IntCC::NotEqual),
    }
}

/// A literal, or the runtime's reading of an operand with a jump to `slow` when it is not a
/// small integer (which [`Host::operand`] promises, but the code does not rely on).
fn operand(
    b: &mut FunctionBuilder,
    refs: Refs,
    host: Value,
    id: Value,
    operand: Operand,
    slow: Block,
) -> Value {
    match operand {
        Operand::Const(n) => b.ins().iconst(types::I64, n),
        Operand::Read(k) => {
            let k = b.ins().iconst(types::I32, i64::from(k));
            let value = call1(b, refs.operand, &[host, id, k]);
            // NOT_SMALL is outside too.
            guard_below(b, value, SMALL, slow);
            value
        }
    }
}

/// Continues only when `-limit < value < limit`.
fn guard_below(b: &mut FunctionBuilder, value: Value, limit: i64, slow: Block) {
    let high = b
        .ins()
        .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, value, limit);
    let low = b
        .ins()
        .icmp_imm_s(IntCC::SignedLessThanOrEqual, value, -limit);
    let out = b.ins().bor(high, low);
    let ok = b.create_block();
    b.ins().brif(out, slow, &[], ok, &[]);
    b.switch_to_block(ok);
}

/// Continues only when `value` is zero (`zero`: an inexact quotient prints a fraction) or
/// only when it is not (a division by zero is the runtime's to report).
fn guard_zero(b: &mut FunctionBuilder, value: Value, zero: bool, slow: Block) {
    let ok = b.create_block();
    let (nonzero, is_zero) = if zero { (slow, ok) } else { (ok, slow) };
    b.ins().brif(value, nonzero, &[], is_zero, &[]);
    b.switch_to_block(ok);
}

/// Continues unless `result` is zero and `sign` negative: long double arithmetic would have
/// a negative zero there, which prints as `-0`.
fn guard_not_negative_zero(b: &mut FunctionBuilder, result: Value, sign: Value, slow: Block) {
    let zero = b.ins().icmp_imm_s(IntCC::Equal, result, 0);
    let negative = b.ins().icmp_imm_s(IntCC::SignedLessThan, sign, 0);
    let both = b.ins().band(zero, negative);
    let ok = b.create_block();
    b.ins().brif(both, slow, &[], ok, &[]);
    b.switch_to_block(ok);
}
