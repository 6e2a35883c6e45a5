// VS Code client for the pbxc language server: runs `<pbxc.path> lsp` (JSON-RPC over stdio) for
// Asterisk dialplans and configuration files.
'use strict';

const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

const LANGUAGES = ['asterisk-dialplan', 'asterisk-config'];

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let outputChannel;
// Starts and stops run one after another, so a restart never races a previous one.
let queue = Promise.resolve();

function serialize(task) {
  queue = queue.then(task, task);
  return queue;
}

// `pbxc.path`: a bare name is looked up on PATH; `~/` is the home directory; any other relative
// path is taken from the first workspace folder.
function serverCommand(setting) {
  let command = (setting || '').trim() || 'pbxc';
  if (command === '~' || command.startsWith('~/')) {
    command = path.join(os.homedir(), command.slice(1));
  }
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!path.isAbsolute(command) && command.includes('/') && folder && folder.uri.scheme === 'file') {
    command = path.resolve(folder.uri.fsPath, command);
  }
  return command;
}

async function start() {
  const config = vscode.workspace.getConfiguration('pbxc');
  const command = serverCommand(config.get('path'));
  // No `transport`: the client would append `--stdio`; `pbxc lsp` speaks over stdio by default.
  const executable = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: { target: config.get('target', 'asterisk-22') },
    outputChannel,
  };
  // The id `pbxc` makes the client follow the `pbxc.trace.server` setting by itself.
  const next = new LanguageClient('pbxc', 'pbxc', { run: executable, debug: executable }, clientOptions);
  client = next;
  try {
    await next.start();
  } catch (err) {
    // Not awaited: a restart must not wait for the notification to be dismissed.
    const message = err instanceof Error ? err.message : String(err);
    vscode.window
      .showErrorMessage(`pbxc: could not start \`${command} lsp\`: ${message}`, 'Open Settings')
      .then((choice) => {
        if (choice === 'Open Settings') {
          vscode.commands.executeCommand('workbench.action.openSettings', 'pbxc.path');
        }
      });
  }
}

async function stop() {
  const old = client;
  client = undefined;
  if (!old) return;
  try {
    await old.dispose();
  } catch {
    // A server that never started cannot be stopped; the client logs any other failure itself.
  }
}

function restart() {
  return serialize(async () => {
    await stop();
    await start();
  });
}

function activate(context) {
  outputChannel = vscode.window.createOutputChannel('pbxc');
  context.subscriptions.push(
    outputChannel,
    vscode.commands.registerCommand('pbxc.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('pbxc.path') || event.affectsConfiguration('pbxc.target')) {
        restart();
      }
    }),
  );
  serialize(start);
}

function deactivate() {
  return serialize(stop);
}

module.exports = { activate, deactivate };
