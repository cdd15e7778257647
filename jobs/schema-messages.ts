/**
 * The job schemas use `zod/mini` (tree-shakable: about 25 KB in the worker bundle instead of
 * 440 KB for zod's classic API). zod/mini loads no messages of its own; this loads the English
 * ones, so a refused payload says what was expected ("Too small: expected string to have
 * >=1 characters"), not only "Invalid input". Imported by every job module that has a schema.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
