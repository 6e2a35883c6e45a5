//! The Cranelift side: building chain functions and calling them.
//!
//! This module is the JIT boundary: the only `unsafe` of the project is here, each block
//! with why it is sound.
#![allow(unsafe_code)]

use cranelift_codegen::ir::{AbiParam, InstBuilder, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Switch};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use crate::{Host, LOCAL_BASE};

/// The signature of a chain: `(host, start) -> exit code`.
type ChainFn = extern "C" fn(*mut u8, u32) -> u32;

/// A compiled chain.
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    code: ChainFn,
    len: u32,
}

/// Owns the executable memory of every chain it compiled.
pub struct Jit {
    module: JITModule,
    step: FuncId,
    context: cranelift_codegen::Context,
    builder: FunctionBuilderContext,
    chains: u32,
}

/// The generated code's way back into Rust: `host` is the address of a `&mut dyn Host` that
/// [`Jit::run`] keeps alive for the whole call.
extern "C" fn host_step(host: *mut u8, id: u32) -> u32 {
    // SAFETY: `host` is the `&mut &mut dyn Host` that `Jit::run` cast to a pointer; it is
    // only used during that call of `run` (the generated code never stores it), and no other
    // reference to the host exists meanwhile because `run` holds the unique borrow.
    let host = unsafe { &mut *host.cast::<&mut dyn Host>() };
    host.step(id)
}

impl Jit {
    pub fn new() -> Result<Jit, String> {
        let mut builder = JITBuilder::with_flags(
            &[
                // Chains are called through plain function pointers from Rust.
                ("use_colocated_libcalls", "false"),
                ("is_pic", "false"),
                ("opt_level", "speed"),
            ],
            cranelift_module::default_libcall_names(),
        )
        .map_err(|e| e.to_string())?;
        builder.symbol("pbxc_host_step", host_step as *const u8);
        let mut module = JITModule::new(builder);
        let ptr = module.target_config().pointer_type();
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(ptr));
        sig.params.push(AbiParam::new(types::I32));
        sig.returns.push(AbiParam::new(types::I32));
        let step = module
            .declare_function("pbxc_host_step", Linkage::Import, &sig)
            .map_err(|e| e.to_string())?;
        Ok(Jit {
            context: module.make_context(),
            module,
            step,
            builder: FunctionBuilderContext::new(),
            chains: 0,
        })
    }

    /// Compiles a chain whose priority index `k` runs host step `steps[k]`.
    pub fn compile(&mut self, steps: &[u32]) -> Result<Chain, String> {
        let ptr = self.module.target_config().pointer_type();
        let len = u32::try_from(steps.len()).map_err(|_| "chain too long".to_string())?;
        if len >= LOCAL_BASE {
            return Err("chain too long".into());
        }
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(ptr));
        sig.params.push(AbiParam::new(types::I32));
        sig.returns.push(AbiParam::new(types::I32));
        self.chains += 1;
        let name = format!("chain{}", self.chains);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| e.to_string())?;
        self.context.func.signature = sig;
        let config = self.module.target_config();
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let step = self.module.declare_func_in_func(self.step, b.func);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            let exit = b.create_block();
            b.append_block_param(exit, types::I32);
            // One dispatch on a priority index serves the entry and every jump that is not
            // to the next priority, so the code grows with the chain, not with its square.
            let dispatch = b.create_block();
            b.append_block_param(dispatch, types::I32);
            let blocks: Vec<_> = steps.iter().map(|_| b.create_block()).collect();

            b.switch_to_block(entry);
            let host = b.block_params(entry)[0];
            let start = b.block_params(entry)[1];
            b.ins().jump(dispatch, &[start.into()]);

            // A move past the end leaves with its own code (`Jit::run` never enters there).
            b.switch_to_block(dispatch);
            let target = b.block_params(dispatch)[0];
            let out_of_range = b.create_block();
            let mut switch = Switch::new();
            for (k, block) in blocks.iter().enumerate() {
                switch.set_entry(k as u128, *block);
            }
            switch.emit(&mut b, target, out_of_range);
            b.switch_to_block(out_of_range);
            let base = b.ins().iconst(types::I32, i64::from(LOCAL_BASE));
            let code = b.ins().iadd(target, base);
            b.ins().jump(exit, &[code.into()]);

            // Each priority: run the step, then go where the host says: on to the next
            // priority directly, elsewhere in the chain through the dispatch, or out.
            for (k, &id) in steps.iter().enumerate() {
                b.switch_to_block(blocks[k]);
                let id = b.ins().iconst(types::I32, i64::from(id));
                let call = b.ins().call(step, &[host, id]);
                let code = b.inst_results(call)[0];
                let next = b
                    .ins()
                    .iconst(types::I32, i64::from(LOCAL_BASE) + k as i64 + 1);
                let is_next =
                    b.ins()
                        .icmp(cranelift_codegen::ir::condcodes::IntCC::Equal, code, next);
                let not_next = b.create_block();
                match blocks.get(k + 1) {
                    Some(&following) => {
                        b.ins().brif(is_next, following, &[], not_next, &[]);
                    }
                    None => {
                        b.ins().jump(not_next, &[]);
                    }
                }
                b.switch_to_block(not_next);
                let local = b.ins().iconst(types::I32, i64::from(LOCAL_BASE));
                let is_local = b.ins().icmp(
                    cranelift_codegen::ir::condcodes::IntCC::UnsignedGreaterThanOrEqual,
                    code,
                    local,
                );
                let inside = b.create_block();
                b.ins().brif(is_local, inside, &[], exit, &[code.into()]);
                b.switch_to_block(inside);
                let target = b.ins().isub(code, local);
                b.ins().jump(dispatch, &[target.into()]);
            }

            b.switch_to_block(exit);
            let code = b.block_params(exit)[0];
            b.ins().return_(&[code]);
            b.seal_all_blocks();
            b.finalize(config);
        }
        self.module
            .define_function(id, &mut self.context)
            .map_err(|e| e.to_string())?;
        self.module.clear_context(&mut self.context);
        self.module
            .finalize_definitions()
            .map_err(|e| e.to_string())?;
        let address = self.module.get_finalized_function(id);
        // SAFETY: `address` is the finalized code of the function just defined with the
        // signature `(pointer, i32) -> i32` in the platform's default calling convention,
        // which is what `extern "C" fn(*mut u8, u32) -> u32` is on the host; the memory
        // stays mapped as long as `self.module` lives, and chains are only called through
        // `Jit::run`, which borrows `self`.
        let code = unsafe { std::mem::transmute::<*const u8, ChainFn>(address) };
        Ok(Chain { code, len })
    }

    /// Runs `chain` from priority index `start` until it leaves; returns the exit code.
    pub fn run(&self, chain: Chain, host: &mut dyn Host, start: u32) -> u32 {
        if start >= chain.len {
            return 0;
        }
        let mut host: &mut dyn Host = host;
        let pointer = (&mut host as *mut &mut dyn Host).cast::<u8>();
        (chain.code)(pointer, start)
    }
}
