import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';

import safepipSvg from '../style/icons/safepip.svg';
import { SafePipPanel } from './panel';

export const safepipIcon = new LabIcon({ name: 'jupyter-safepip:safepip', svgstr: safepipSvg });

export namespace CommandIDs {
  export const check = 'safepip:check-package';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-safepip:plugin',
  description: 'A sidebar to check packages before installing them, with the history of checks and the policy.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, restorer: ILayoutRestorer | null) => {
    const panel = new SafePipPanel();
    panel.id = 'jp-safepip-sidebar';
    panel.title.icon = safepipIcon;
    panel.title.caption = 'safepip: check packages before installing';
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, 'jupyter-safepip');

    app.commands.addCommand(CommandIDs.check, {
      label: 'Check a package before installing',
      caption: 'Open the safepip sidebar and check a package or a requirements list',
      icon: safepipIcon,
      execute: () => {
        app.shell.activateById(panel.id);
        panel.focusInput();
      }
    });
    palette?.addItem({ command: CommandIDs.check, category: 'safepip' });
  }
};

export default plugin;
