import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">There is nothing here: the queue, job or task may have been removed.</p>
      <p className="mt-6 flex justify-center gap-4">
        <Link href="/" className="text-indigo-700 underline dark:text-indigo-300">
          Dashboard
        </Link>
        <Link href="/queues" className="text-indigo-700 underline dark:text-indigo-300">
          Queues
        </Link>
        <Link href="/tasks" className="text-indigo-700 underline dark:text-indigo-300">
          Tasks
        </Link>
      </p>
    </main>
  );
}
