import { useEffect, useRef } from 'react';

/**
 * A ref for a form that, after a failed submit (`errors` changed and not empty), takes the keyboard to the
 * first field that needs attention (`aria-invalid="true"`).
 */
export function useFocusFirstInvalid(errors: Record<string, string>) {
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  return formRef;
}
