/**
 * Where the code of a user's functions is, read from the stack's constructs.
 *
 * A user's app is synthesized without `localAppContext`, so the template has no `aws:asset:path` metadata; the
 * asset constructs know the path. `lambda.Code.fromAsset(dir)` runs from `dir` itself (its `require`s resolve from
 * there, as in the user's project); a bundled asset (`NodejsFunction`, or `bundling` options) runs from its bundle
 * output, the staged directory.
 */
import * as fs from 'fs';
import { AssetStaging, CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { handlerModule } from './lambda-local';

/** Where an asset function's code is. */
export interface FunctionCode {
  /** The logical id of its `AWS::Lambda::Function`. */
  readonly logicalId: string;
  /** Its construct path (e.g. `App/Stack/Reminder/Resource`). */
  readonly constructPath: string;
  /** The directory its handler module is in. */
  readonly dir: string;
}

/** The code of each asset function of the stack. */
export function functionCodes(stack: Stack): FunctionCode[] {
  const codes: FunctionCode[] = [];
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof lambda.CfnFunction) || Stack.of(construct) !== stack) continue;
    const owner = construct.node.scope;
    if (!owner) continue;
    const asset = owner.node.children.find((child): child is s3assets.Asset => child instanceof s3assets.Asset);
    const staging = asset?.node.children.find((child): child is AssetStaging => child instanceof AssetStaging);
    if (!asset || !staging) continue;
    // Asset keeps whether it was bundled in a private field; bundled code runs from the bundle, not from the sources.
    const bundled = (asset as unknown as { isBundled?: boolean }).isBundled === true;
    codes.push({
      logicalId: stack.getLogicalId(construct as CfnResource),
      constructPath: construct.node.path,
      dir: bundled ? staging.absoluteStagedPath : staging.sourcePath,
    });
  }
  return codes;
}

/**
 * Fails, naming the function and the missing file, when a function's handler module is not where its code is; for a
 * function of a scheduler (under one of `schedulerPaths`), says that the library's handler bundles are missing.
 */
export function assertCodePresent(codes: FunctionCode[], template: Record<string, any>, schedulerPaths: string[]): void {
  for (const code of codes) {
    const handler = template.Resources?.[code.logicalId]?.Properties?.Handler ?? 'index.handler';
    const { file } = handlerModule(code.dir, handler);
    if (fs.existsSync(file) || fs.existsSync(file.replace(/\.js$/, '.ts'))) continue;
    const ofScheduler = schedulerPaths.some((schedulerPath) => code.constructPath.startsWith(`${schedulerPath}/`));
    throw new Error(ofScheduler
      ? `The handler bundle of ${code.constructPath} is missing: no ${file}. cdk-dynamic-scheduler ships its handlers pre-built in assets/; reinstall the package (or, in its repository, run "npx projen bundle")`
      : `The code of function ${code.constructPath} is missing: no ${file} (handler "${handler}"); build it before running the stack locally`);
  }
}
