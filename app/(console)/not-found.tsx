import Link from 'next/link';

/**
 * What a console page shows for an unknown queue, job, task or schedule
 * (`notFound()` in a page under the console layout): inside the console's
 * header and navigation, with ways back. Unknown URLs outside any page use
 * app/not-found.tsx.
 */
export default function ConsoleNotFound() {
  return (
    <div className="mx-auto max-w-xl py-12 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        There is nothing here: the queue, job, task or schedule may have been removed, or the link is wrong.
      </p>
      <p className="mt-6 flex justify-center gap-4">
        <Link href="/queues" className="text-indigo-700 underline dark:text-indigo-300">
          All queues
        </Link>
        <Link href="/results" className="text-indigo-700 underline dark:text-indigo-300">
          Search results
        </Link>
        <Link href="/" className="text-indigo-700 underline dark:text-indigo-300">
          Dashboard
        </Link>
      </p>
    </div>
  );
}
