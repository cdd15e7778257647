import { App } from 'aws-cdk-lib';
import { ShopStack } from '../lib/shop-stack.ts';

const app = new App();
new ShopStack(app, 'Shop');
app.synth();
