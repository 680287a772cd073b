import { GenerateForm } from '../GenerateForm.js';
import { RunPanel } from '../RunPanel.js';

/** Interactive generation: the form on one side, progress and the result on the other. */
export function StudioPage() {
  return (
    <div className="studio">
      <GenerateForm />
      <RunPanel />
    </div>
  );
}
