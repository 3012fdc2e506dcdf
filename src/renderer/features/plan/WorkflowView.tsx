// The scientist's home: the data timeline across the top; below it the calibrator and transit
// picker, the plan of the selected window with launch and progress, and the sky coverage.
import { useEffect } from 'react';
import { SkyView } from '../sky/SkyView';
import { Timeline } from '../timeline/Timeline';
import { PickerPanel } from './PickerPanel';
import { PlanPanel } from './PlanPanel';
import { usePlan } from './store';

export function WorkflowView() {
  // Ctrl+Enter launches the planned mosaic from anywhere in the view.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        const s = usePlan.getState();
        if (s.plan && !s.launching) void s.launch();
      }
    };
    globalThis.addEventListener('keydown', onKey);
    return () => globalThis.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="workflow">
      <Timeline />
      <div className="workflow-row">
        <PickerPanel />
        <PlanPanel />
        <SkyView />
      </div>
    </div>
  );
}
